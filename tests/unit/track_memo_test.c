/*
 * track_memo_test.c - the tracker's small bounded caches (track/memo.c)
 */
#include <string.h>

#include "memo.h"
#include "tap.h"

static void
a_claim_holds_until_forgotten_by_its_owner(void)
{
    struct memo *m = memo_new(64);
    char first[MEMO_VALUE_MAX + 1] = "id-1", second[MEMO_VALUE_MAX + 1] = "id-2";
    ok(m && memo_claim(m,
                       "default\x1f"
                       "A-1",
                       first, sizeof first),
       "a_claim_holds_until_forgotten_by_its_owner: the first claim is taken");
    ok(!memo_claim(m,
                   "default\x1f"
                   "A-1",
                   second, sizeof second),
       "a_claim_holds_until_forgotten_by_its_owner: a second one is refused");
    is_str(second, "id-1", "a_claim_holds_until_forgotten_by_its_owner: and told the first value");
    memo_forget(m,
                "default\x1f"
                "A-1",
                "id-2");
    strcpy(second, "id-3");
    ok(!memo_claim(m,
                   "default\x1f"
                   "A-1",
                   second, sizeof second),
       "a_claim_holds_until_forgotten_by_its_owner: another value cannot forget it");
    memo_forget(m,
                "default\x1f"
                "A-1",
                "id-1");
    strcpy(second, "id-4");
    ok(memo_claim(m,
                  "default\x1f"
                  "A-1",
                  second, sizeof second),
       "a_claim_holds_until_forgotten_by_its_owner: once its owner forgot it, it is free");
    memo_free(m);
}

static void
a_stored_value_is_found_only_while_fresh(void)
{
    struct memo *m = memo_new(64);
    char v[MEMO_VALUE_MAX + 1] = "";
    memo_put(m, "42", "nl", 1000);
    ok(memo_get(m, "42", 1000, v, sizeof v), "a_stored_value_is_found_only_while_fresh: found");
    is_str(v, "nl", "a_stored_value_is_found_only_while_fresh: its value");
    ok(!memo_get(m, "42", 1001, v, sizeof v),
       "a_stored_value_is_found_only_while_fresh: not when older than asked");
    ok(!memo_get(m, "43", 0, v, sizeof v),
       "a_stored_value_is_found_only_while_fresh: nor another key");
    memo_free(m);
}

static void
keys_too_long_are_never_stored(void)
{
    struct memo *m = memo_new(64);
    char key[MEMO_KEY_MAX + 2], v[MEMO_VALUE_MAX + 1] = "x";
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    ok(memo_claim(m, key, v, sizeof v) && memo_claim(m, key, v, sizeof v),
       "keys_too_long_are_never_stored: every claim succeeds");
    memo_put(m, key, "y", 5);
    ok(!memo_get(m, key, 0, v, sizeof v), "keys_too_long_are_never_stored: nothing is found");
    memo_free(m);
}

int
main(void)
{
    a_claim_holds_until_forgotten_by_its_owner();
    a_stored_value_is_found_only_while_fresh();
    keys_too_long_are_never_stored();
    return tap_done();
}
