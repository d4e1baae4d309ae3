/*
 * track_memo_test.c - the tracker's small bounded caches (track/memo.c)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "memo.h"
#include "tap.h"

#define KEY                                                                                        \
    "default\x1f"                                                                                  \
    "A-1"

static void
a_settled_claim_answers_repeats_with_its_value(void)
{
    struct memo *m = memo_new(64);
    struct memo_hold h;
    char v[MEMO_VALUE_MAX + 1];
    ok(m && memo_claim(m, KEY, v, sizeof v, &h), "the first claim of a key is the caller's");
    memo_settle(&h, "id-1 7");
    ok(!memo_claim(m, KEY, v, sizeof v, &h), "a repeat of the key is refused");
    is_str(v, "id-1 7", "and told the value the first claim settled on");
    memo_free(m);
}

static void
a_claim_settled_with_nothing_leaves_the_key_free(void)
{
    struct memo *m = memo_new(64);
    struct memo_hold h;
    char v[MEMO_VALUE_MAX + 1];
    ok(m && memo_claim(m, KEY, v, sizeof v, &h), "claimed");
    memo_settle(&h, NULL); /* its append failed */
    ok(memo_claim(m, KEY, v, sizeof v, &h), "the next claim of the key is the caller's again");
    memo_settle(&h, "id-2 8");
    memo_free(m);
}

struct repeat {
    struct memo *m;
    char value[MEMO_VALUE_MAX + 1];
    atomic_bool answered;
};

static void *
claim_again(void *arg)
{
    struct repeat *r = arg;
    struct memo_hold h;
    if (memo_claim(r->m, KEY, r->value, sizeof r->value, &h)) memo_settle(&h, "wrong");
    atomic_store(&r->answered, true);
    return NULL;
}

static void
a_repeat_waits_until_the_claim_settles(void)
{
    struct repeat r = {.m = memo_new(64)};
    struct memo_hold h;
    pthread_t t;
    ok(r.m && memo_claim(r.m, KEY, r.value, sizeof r.value, &h), "claimed, not settled");
    pthread_create(&t, NULL, claim_again, &r);
    usleep(50000);
    ok(!atomic_load(&r.answered), "a repeat from another thread is not answered meanwhile");
    memo_settle(&h, "id-3 9");
    pthread_join(t, NULL);
    is_str(r.value, "id-3 9", "once settled, the repeat gets the settled value");
    memo_free(r.m);
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
    struct memo_hold h;
    bool first = memo_claim(m, key, v, sizeof v, &h);
    memo_settle(&h, "x");
    ok(first && memo_claim(m, key, v, sizeof v, &h),
       "keys_too_long_are_never_stored: every claim succeeds");
    memo_settle(&h, "x");
    memo_put(m, key, "y", 5);
    ok(!memo_get(m, key, 0, v, sizeof v), "keys_too_long_are_never_stored: nothing is found");
    memo_free(m);
}

int
main(void)
{
    a_settled_claim_answers_repeats_with_its_value();
    a_claim_settled_with_nothing_leaves_the_key_free();
    a_repeat_waits_until_the_claim_settles();
    a_stored_value_is_found_only_while_fresh();
    keys_too_long_are_never_stored();
    return tap_done();
}
