/*
 * track_apikey_test.c - events API key text and hashes (track/apikey.c)
 */
#include <string.h>

#include "apikey.h"
#include "tap.h"

static void
a_generated_key_parses_to_what_is_stored(void)
{
    char text[APIKEY_TEXT_MAX];
    struct apikey stored, parsed;
    ok(apikey_generate(text, &stored) && apikey_parse(text, strlen(text), &parsed) &&
           !strcmp(stored.id, parsed.id) && !memcmp(stored.hash, parsed.hash, APIKEY_HASH_LEN),
       "a_generated_key_parses_to_what_is_stored");
}

static void
two_keys_differ(void)
{
    char a[APIKEY_TEXT_MAX], b[APIKEY_TEXT_MAX];
    struct apikey ka, kb;
    ok(apikey_generate(a, &ka) && apikey_generate(b, &kb) && strcmp(a, b) != 0 &&
           memcmp(ka.hash, kb.hash, APIKEY_HASH_LEN) != 0,
       "two_keys_differ");
}

static void
another_secret_gives_another_hash(void)
{
    char text[APIKEY_TEXT_MAX];
    struct apikey stored, parsed;
    apikey_generate(text, &stored);
    size_t n = strlen(text);
    text[n - 2] = text[n - 2] == 'A' ? 'B' : 'A'; /* not the last char: its low bits are fixed */
    ok(!apikey_parse(text, n, &parsed) || memcmp(stored.hash, parsed.hash, APIKEY_HASH_LEN),
       "another_secret_gives_another_hash");
}

static void
malformed_keys_are_refused(void)
{
    struct apikey k;
    const char *bad[] = {"",
                         "tern_",
                         "tern_0123abcd",
                         "tern_0123ABCD_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                         "nope_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                         "tern_0123abcd_AAAA",
                         "tern_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                         NULL};
    int refused = 0, n = 0;
    for (; bad[n]; n++)
        refused += !apikey_parse(bad[n], strlen(bad[n]), &k);
    is_int(refused, n, "malformed_keys_are_refused (prefix, id, secret length, alphabet)");
}

int
main(void)
{
    a_generated_key_parses_to_what_is_stored();
    two_keys_differ();
    another_secret_gives_another_hash();
    malformed_keys_are_refused();
    return tap_done();
}
