/*
 * token_test.c - signed tracking tokens and the keyring
 *
 * The ring under test signs with k1 and still verifies k0, as a tern.conf
 * with `hmac = k1:...` and `hmac_old = k0:...` would. Some tests build
 * payloads by hand and sign them with OpenSSL's HMAC directly, to show that
 * a correctly signed but malformed token is still refused.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "b64.h"
#include "buf.h"
#include "tap.h"
#include "token.h"

#define SECRET0 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" /* bytes 0..31 */
#define SECRET1 "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=" /* bytes 32..63 */
#define SECRET2 "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=" /* bytes 64..95 */
#define NOW     1700000000

static const unsigned char MSG[16] = {0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
                                      0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0};

static char err[256];

/* A ring signing with `signing` (may be NULL) and verifying `old` too (may be NULL). */
static struct tok_keyring *
ring_of(const char *signing, const char *old)
{
    struct tok_keyring *r = tok_keyring_new();
    if (!r) return NULL;
    if ((signing && tok_keyring_add(r, signing, true, err, sizeof err)) ||
        (old && tok_keyring_add(r, old, false, err, sizeof err))) {
        diag("keyring: %s", err);
        tok_keyring_free(r);
        return NULL;
    }
    return r;
}

static struct tok_keyring *
main_ring(void)
{
    return ring_of("k1:" SECRET1, "k0:" SECRET0);
}

static struct tok_claims
click(const char *url)
{
    struct tok_claims c = {.purpose = TOK_CLICK, .contact = 42, .link = 7};
    memcpy(c.message, MSG, 16);
    tok_claims_set_url(&c, url, strlen(url));
    return c;
}

static struct tok_claims
dated(enum tok_purpose p)
{
    return (struct tok_claims){
        .purpose = p, .contact = 42, .issued = NOW, .expires = NOW + 7 * 86400};
}

/* Issue `c` with `r` into a fresh string (caller frees), NULL on failure. */
static char *
issue(const struct tok_keyring *r, const struct tok_claims *c)
{
    struct buf b = BUF_INIT;
    if (tok_issue(r, c, &b, err, sizeof err)) {
        buf_free(&b);
        return NULL;
    }
    return b.data;
}

static int
verify(const struct tok_keyring *r, const char *tok, enum tok_purpose p, struct tok_claims *out)
{
    return tok_verify(r, tok, strlen(tok), p, NOW, out, err, sizeof err);
}

/* Payload bytes signed with `secret` (standard base64), as a token string (caller frees). */
static char *
sign_raw(const char *secret, const unsigned char *payload, size_t n)
{
    unsigned char key[64], raw[4096], mac[32];
    size_t klen;
    unsigned maclen;
    if (!b64_decode(secret, strlen(secret), B64_STD, key, sizeof key, &klen)) return NULL;
    memcpy(raw, payload, n);
    HMAC(EVP_sha256(), key, (int)klen, payload, n, mac, &maclen);
    memcpy(raw + n, mac, TOK_MAC_LEN);
    char *tok = malloc(B64_ENCODED_SIZE(n + TOK_MAC_LEN));
    if (tok) b64_encode(raw, n + TOK_MAC_LEN, B64_URL, tok);
    return tok;
}

/* The payload (token bytes without the MAC) of `tok` into `out`; its length. */
static size_t
payload_of(const char *tok, unsigned char *out, size_t cap)
{
    size_t n = 0;
    if (!b64_decode(tok, strlen(tok), B64_URL, out, cap, &n) || n < TOK_MAC_LEN) return 0;
    return n - TOK_MAC_LEN;
}

/* ---------------------------------------------------------------------
 * round trips
 * --------------------------------------------------------------------- */

/*
 * The MAC is HMAC-SHA256 of the payload, whatever the secret's length:
 * shorter than a SHA-256 block, exactly one, and longer (hashed first).
 */
static void
mac_is_hmac_sha256_for_every_key_length(void)
{
    static const size_t lengths[] = {32, 64, 65, 200, 256};
    int same = 0;
    for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++) {
        unsigned char secret[256], payload[4096], mac[32];
        char spec[3 + B64_ENCODED_SIZE(256)] = "kx:";
        unsigned maclen = 0;
        for (size_t j = 0; j < lengths[i]; j++)
            secret[j] = (unsigned char)(j * 7 + i);
        b64_encode(secret, lengths[i], B64_STD, spec + 3);
        struct tok_keyring *r = ring_of(spec, NULL);
        struct tok_claims c = click("https://shop.example/a");
        char *tok = r ? issue(r, &c) : NULL;
        size_t n = tok ? payload_of(tok, payload, sizeof payload) : 0;
        HMAC(EVP_sha256(), secret, (int)lengths[i], payload, n, mac, &maclen);
        same += n > 0 && memcmp(payload + n, mac, TOK_MAC_LEN) == 0;
        free(tok);
        tok_keyring_free(r);
    }
    is_int(same, 5, "keys of 32, 64, 65, 200 and 256 bytes sign as OpenSSL's HMAC does");
}

static void
click_round_trips(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims in = click("https://shop.example/sale?id=1"), out;
    char *tok = issue(r, &in);
    ok(tok && verify(r, tok, TOK_CLICK, &out) == 0, "verifies");
    is_int(out.purpose, TOK_CLICK, "purpose");
    is_str(out.key_id, "k1", "signed by the current key");
    ok(memcmp(out.message, MSG, 16) == 0 && out.has_message, "message id");
    is_int(out.contact, 42, "contact");
    is_int(out.link, 7, "link index");
    is_str(out.url, "https://shop.example/sale?id=1", "destination URL");
    is_int(out.url_len, strlen("https://shop.example/sale?id=1"), "URL length");
    free(tok);
    tok_keyring_free(r);
}

static void
anonymous_click_round_trips(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims in = click("https://a.example/"), out = {.contact = 5};
    in.contact = 0;
    in.link = 0;
    char *tok = issue(r, &in);
    ok(tok && verify(r, tok, TOK_CLICK, &out) == 0, "verifies");
    is_int(out.contact, 0, "contact 0 (anonymous)");
    is_int(out.link, 0, "link 0");
    free(tok);
    tok_keyring_free(r);
}

static void
open_round_trips(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims in = {.purpose = TOK_OPEN, .contact = INT64_MAX}, out;
    memcpy(in.message, MSG, 16);
    char *tok = issue(r, &in);
    ok(tok && verify(r, tok, TOK_OPEN, &out) == 0, "verifies");
    ok(memcmp(out.message, MSG, 16) == 0, "message id");
    is_int(out.contact, INT64_MAX, "largest contact id");
    is_int(out.url_len, 0, "no URL");
    free(tok);
    tok_keyring_free(r);
}

static void
unsubscribe_round_trips_with_message(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims in = {.purpose = TOK_UNSUBSCRIBE, .contact = 9, .has_message = true}, out;
    memcpy(in.message, MSG, 16);
    tok_claims_set_list(&in, "marketing");
    char *tok = issue(r, &in);
    ok(tok && verify(r, tok, TOK_UNSUBSCRIBE, &out) == 0, "verifies");
    is_int(out.contact, 9, "contact");
    ok(out.has_message && memcmp(out.message, MSG, 16) == 0, "message id");
    is_str(out.list, "marketing", "list");
    free(tok);
    tok_keyring_free(r);
}

static void
unsubscribe_round_trips_without_message(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims in = {.purpose = TOK_UNSUBSCRIBE, .contact = 9}, out;
    memcpy(in.message, MSG, 16); /* ignored: has_message is false */
    tok_claims_set_list(&in, "news.nl:weekly");
    char *tok = issue(r, &in);
    ok(tok && verify(r, tok, TOK_UNSUBSCRIBE, &out) == 0, "verifies");
    ok(!out.has_message, "no message id");
    static const unsigned char zero[16];
    ok(memcmp(out.message, zero, 16) == 0, "message bytes zeroed");
    is_str(out.list, "news.nl:weekly", "list");
    free(tok);
    tok_keyring_free(r);
}

static void
confirm_round_trips(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims in = dated(TOK_CONFIRM), out;
    char *tok = issue(r, &in);
    ok(tok && verify(r, tok, TOK_CONFIRM, &out) == 0, "verifies");
    is_int(out.contact, 42, "contact");
    is_int(out.issued, NOW, "issued");
    is_int(out.expires, NOW + 7 * 86400, "expires");
    free(tok);
    tok_keyring_free(r);
}

static void
preferences_round_trips(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims in = dated(TOK_PREFERENCES), out;
    in.issued = 0;
    in.expires = INT64_MAX;
    char *tok = issue(r, &in);
    ok(tok && verify(r, tok, TOK_PREFERENCES, &out) == 0, "verifies");
    is_int(out.issued, 0, "issued at the epoch");
    is_int(out.expires, INT64_MAX, "never expires in practice");
    free(tok);
    tok_keyring_free(r);
}

static void
url_bytes_round_trip_exactly(void)
{
    const char *url = "https://xn--bcher-kva.example/b\xc3\xbc"
                      "cher?a=1&b=\"2\"&c=%20%e2%82%ac"
                      "&amp=&d='\xe2\x82\xac'#frag";
    struct tok_keyring *r = main_ring();
    struct tok_claims in = click(url), out;
    char *tok = issue(r, &in);
    ok(tok && verify(r, tok, TOK_CLICK, &out) == 0, "verifies");
    ok(out.url_len == strlen(url) && memcmp(out.url, url, out.url_len) == 0 &&
           out.url[out.url_len] == '\0',
       "same bytes, NUL-terminated");
    free(tok);
    tok_keyring_free(r);
}

static void
longest_url_round_trips(void)
{
    static char url[TOK_URL_MAX + 1];
    memset(url, 'a', TOK_URL_MAX);
    memcpy(url, "https://", 8);
    struct tok_keyring *r = main_ring();
    struct tok_claims in = click(url), out;
    char *tok = issue(r, &in);
    ok(tok && strlen(tok) <= TOK_TOKEN_MAX, "fits in a token");
    ok(tok && verify(r, tok, TOK_CLICK, &out) == 0 && out.url_len == TOK_URL_MAX, "verifies");
    free(tok);
    tok_keyring_free(r);
}

static void
issuing_is_deterministic(void)
{
    struct tok_keyring *r = main_ring(), *r2 = main_ring();
    struct tok_claims c = click("https://shop.example/");
    char *a = issue(r, &c), *b = issue(r, &c), *d = issue(r2, &c);
    ok(a && b && strcmp(a, b) == 0, "same ring, same token");
    ok(a && d && strcmp(a, d) == 0, "same keys in another ring, same token");
    c.link = 8;
    char *e = issue(r, &c);
    ok(a && e && strcmp(a, e) != 0, "other claims, other token");
    free(a), free(b), free(d), free(e);
    tok_keyring_free(r);
    tok_keyring_free(r2);
}

/* Pins the v1 byte layout; doc/tokens.md shows this token as its example. */
static void
click_token_matches_documented_example(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = click("https://shop.example/");
    char *tok = issue(r, &c);
    unsigned char p[256];
    size_t n = tok ? payload_of(tok, p, sizeof p) : 0;
    static const unsigned char want[] = {
        0x01, 0x01, 0x02, 'k',  '1',  0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96,
        0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0, 0x2a, 0x07, 0x15, 'h',  't',  't',  'p',  's',  ':',
        '/',  '/',  's',  'h',  'o',  'p',  '.',  'e',  'x',  'a',  'm',  'p',  'l',  'e',  '/'};
    ok(n == sizeof want && memcmp(p, want, n) == 0, "payload bytes");
    is_str(tok,
           "AQECazEPHi08S1ppeIeWpbTD0uHwKgcVaHR0cHM6Ly9zaG9wLmV4YW1wbGUv"
           "1Fm3AP6-C_MahbLxoCZbIQ",
           "token text");
    free(tok);
    tok_keyring_free(r);
}

/* ---------------------------------------------------------------------
 * forgery and damage
 * --------------------------------------------------------------------- */

static void
tampered_character_anywhere_is_rejected(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = click("https://shop.example/x"), out;
    char *tok = issue(r, &c);
    size_t len = tok ? strlen(tok) : 0, accepted = 0;
    for (size_t i = 0; i < len; i++) {
        char keep = tok[i];
        tok[i] = keep == 'A' ? 'B' : 'A';
        if (verify(r, tok, TOK_CLICK, &out) == 0) accepted++;
        tok[i] = keep;
    }
    ok(len > 0 && accepted == 0, "%zu of %zu altered characters accepted", accepted, len);
    free(tok);
    tok_keyring_free(r);
}

static void
tampered_byte_anywhere_is_rejected(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = click("https://shop.example/x"), out;
    char *tok = issue(r, &c);
    unsigned char raw[512];
    size_t n = 0, accepted = 0;
    if (tok) b64_decode(tok, strlen(tok), B64_URL, raw, sizeof raw, &n);
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            char text[B64_ENCODED_SIZE(512)];
            raw[i] ^= (unsigned char)(1 << bit);
            b64_encode(raw, n, B64_URL, text);
            if (verify(r, text, TOK_CLICK, &out) == 0) accepted++;
            raw[i] ^= (unsigned char)(1 << bit);
        }
    }
    ok(n > 0 && accepted == 0, "%zu of %zu single-bit flips accepted", accepted, n * 8);
    free(tok);
    tok_keyring_free(r);
}

static void
truncated_token_is_rejected(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = dated(TOK_CONFIRM), out;
    char *tok = issue(r, &c);
    size_t len = tok ? strlen(tok) : 0, accepted = 0;
    for (size_t cut = 0; cut < len; cut++)
        if (tok_verify(r, tok, cut, TOK_CONFIRM, NOW, &out, err, sizeof err) == 0) accepted++;
    ok(len > 0 && accepted == 0, "%zu of %zu prefixes accepted", accepted, len);
    free(tok);
    tok_keyring_free(r);
}

static void
url_swapped_under_original_mac_is_rejected(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = click("https://shop.example/"), out;
    char *tok = issue(r, &c);
    unsigned char raw[512];
    size_t n = 0;
    if (tok) b64_decode(tok, strlen(tok), B64_URL, raw, sizeof raw, &n);
    /* Same length, so only the URL bytes differ and the MAC is the original. */
    unsigned char *u = n ? memmem(raw, n, "shop.example", 12) : NULL;
    if (u) memcpy(u, "evil.example", 12);
    char text[B64_ENCODED_SIZE(512)];
    b64_encode(raw, n, B64_URL, text);
    ok(u && verify(r, text, TOK_CLICK, &out) != 0, "rejected");
    is_str(err, "signature does not match", "reason");
    free(tok);
    tok_keyring_free(r);
}

static void
url_of_other_length_under_original_mac_is_rejected(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = click("https://shop.example/"), other = click("https://evil.example/x"),
                      out;
    char *tok = issue(r, &c), *tok2 = issue(r, &other);
    unsigned char a[512], b[512];
    size_t na = 0, nb = 0;
    if (tok && tok2) {
        b64_decode(tok, strlen(tok), B64_URL, a, sizeof a, &na);
        b64_decode(tok2, strlen(tok2), B64_URL, b, sizeof b, &nb);
    }
    /* The other token's payload followed by the first token's MAC. */
    memcpy(b + nb - TOK_MAC_LEN, a + na - TOK_MAC_LEN, TOK_MAC_LEN);
    char text[B64_ENCODED_SIZE(512)];
    b64_encode(b, nb, B64_URL, text);
    ok(na && nb && verify(r, text, TOK_CLICK, &out) != 0, "rejected");
    is_str(err, "signature does not match", "reason");
    free(tok);
    free(tok2);
    tok_keyring_free(r);
}

static void
wrong_purpose_is_rejected(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = click("https://shop.example/"), d = dated(TOK_CONFIRM), out;
    char *tok = issue(r, &c), *tok2 = issue(r, &d);
    ok(tok && verify(r, tok, TOK_OPEN, &out) != 0, "click token at the open endpoint");
    is_str(err, "click token where open was expected", "reason");
    ok(tok2 && verify(r, tok2, TOK_PREFERENCES, &out) != 0, "confirm token at preferences");
    ok(out.contact == 0, "claims zeroed on failure");
    free(tok);
    free(tok2);
    tok_keyring_free(r);
}

static void
expired_confirm_token_is_rejected(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = dated(TOK_CONFIRM), out;
    char *tok = issue(r, &c);
    size_t len = tok ? strlen(tok) : 0;
    ok(tok_verify(r, tok, len, TOK_CONFIRM, c.expires - 1, &out, err, sizeof err) == 0,
       "valid one second before expiry");
    ok(tok_verify(r, tok, len, TOK_CONFIRM, c.expires, &out, err, sizeof err) != 0,
       "rejected at expiry");
    like(err, "expired", "reason");
    free(tok);
    tok_keyring_free(r);
}

static void
expired_preferences_token_is_rejected(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = dated(TOK_PREFERENCES), out;
    char *tok = issue(r, &c);
    ok(tok && tok_verify(r, tok, strlen(tok), TOK_PREFERENCES, c.expires + 86400, &out, err,
                         sizeof err) != 0,
       "rejected a day after expiry");
    free(tok);
    tok_keyring_free(r);
}

static void
click_and_open_tokens_do_not_expire(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = click("https://shop.example/"), out;
    char *tok = issue(r, &c);
    ok(tok && tok_verify(r, tok, strlen(tok), TOK_CLICK, INT64_MAX, &out, err, sizeof err) == 0,
       "verifies at any time");
    free(tok);
    tok_keyring_free(r);
}

static void
overlong_input_is_rejected_without_reading_it(void)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t body = ((TOK_TOKEN_MAX + 1 + (size_t)page - 1) / (size_t)page) * (size_t)page;
    char *map =
        mmap(NULL, body + (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!ok(map != MAP_FAILED, "guard page mapped")) return;
    mprotect(map + body, (size_t)page, PROT_NONE); /* reading past `body` would crash */
    memset(map, 'A', body);
    struct tok_keyring *r = main_ring();
    struct tok_claims out;
    /* Claims to be 1 MiB long but only `body` bytes are readable. */
    ok(tok_verify(r, map, 1 << 20, TOK_CLICK, NOW, &out, err, sizeof err) != 0, "rejected");
    is_str(err, "token is longer than 4096 characters", "reason");
    ok(tok_verify(r, map + body - (TOK_TOKEN_MAX + 1), TOK_TOKEN_MAX + 1, TOK_CLICK, NOW, &out, err,
                  sizeof err) != 0,
       "one character over the limit is rejected too");
    tok_keyring_free(r);
    munmap(map, body + (size_t)page);
}

/* A token whose text holds '-' or '_', found by varying the contact id. */
static char *
token_with_url_chars(const struct tok_keyring *r, struct tok_claims *c)
{
    for (c->contact = 1; c->contact < 1000; c->contact++) {
        char *tok = issue(r, c);
        if (tok && strpbrk(tok, "-_")) return tok;
        free(tok);
    }
    return NULL;
}

static void
standard_alphabet_in_token_is_rejected(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = {.purpose = TOK_OPEN}, out;
    char *tok = token_with_url_chars(r, &c);
    ok(tok && verify(r, tok, TOK_OPEN, &out) == 0, "the url-safe original verifies");
    for (char *p = tok; p && *p; p++)
        *p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
    ok(tok && verify(r, tok, TOK_OPEN, &out) != 0, "with '+' and '/' it is rejected");
    is_str(err, "token is not valid base64url", "reason");
    free(tok);
    tok_keyring_free(r);
}

static void
padded_token_is_rejected(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = click("https://shop.example/"), out;
    struct buf b = BUF_INIT;
    int rc = tok_issue(r, &c, &b, err, sizeof err);
    while (rc == 0 && b.len % 4)
        buf_putc(&b, '=');
    ok(rc == 0 && b.data[b.len - 1] == '=', "padding added");
    ok(verify(r, buf_str(&b), TOK_CLICK, &out) != 0, "rejected");
    buf_free(&b);
    tok_keyring_free(r);
}

/* Sign hand-made payloads with k1: only the layout can make them fail. */
static int
verify_raw(const struct tok_keyring *r, const unsigned char *p, size_t n, enum tok_purpose want)
{
    struct tok_claims out;
    char *tok = sign_raw(SECRET1, p, n);
    int rc = tok ? verify(r, tok, want, &out) : 0;
    free(tok);
    return rc;
}

static void
correctly_signed_open_payload_verifies(void)
{
    /* The control for the tests below: the hand-made layout itself is right. */
    struct tok_keyring *r = main_ring();
    unsigned char p[] = {1, TOK_OPEN, 2, 'k', '1', 0,  1,  2,  3,  4,  5,
                         6, 7,        8, 9,   10,  11, 12, 13, 14, 15, 0x2a};
    is_int(verify_raw(r, p, sizeof p, TOK_OPEN), 0, "verifies");
    tok_keyring_free(r);
}

static void
trailing_bytes_are_rejected(void)
{
    struct tok_keyring *r = main_ring();
    unsigned char p[] = {1, TOK_OPEN, 2, 'k', '1', 0,  1,  2,  3,  4,    5,   6,
                         7, 8,        9, 10,  11,  12, 13, 14, 15, 0x2a, 0x00};
    ok(verify_raw(r, p, sizeof p, TOK_OPEN) != 0, "rejected");
    is_str(err, "trailing bytes after the last field", "reason");
    tok_keyring_free(r);
}

static void
unknown_version_is_rejected(void)
{
    struct tok_keyring *r = main_ring();
    unsigned char p[] = {2, TOK_OPEN, 2, 'k', '1', 0,  1,  2,  3,  4,  5,
                         6, 7,        8, 9,   10,  11, 12, 13, 14, 15, 0x2a};
    ok(verify_raw(r, p, sizeof p, TOK_OPEN) != 0, "version 2 rejected");
    is_str(err, "unknown token version", "reason");
    tok_keyring_free(r);
}

static void
overlong_varint_is_rejected(void)
{
    struct tok_keyring *r = main_ring();
    /* contact 42 as 0xaa 0x00: the same value, but not its shortest encoding */
    unsigned char p[] = {1, TOK_OPEN, 2, 'k', '1', 0,  1,  2,  3,  4,    5,   6,
                         7, 8,        9, 10,  11,  12, 13, 14, 15, 0xaa, 0x00};
    ok(verify_raw(r, p, sizeof p, TOK_OPEN) != 0, "rejected");
    is_str(err, "bad contact id", "reason");
    tok_keyring_free(r);
}

static void
url_length_past_the_end_is_rejected(void)
{
    struct tok_keyring *r = main_ring();
    unsigned char p[] = {1, TOK_CLICK, 2,  'k', '1', 0,  1,  2,  3,  4, 5,   6,   7,
                         8, 9,         10, 11,  12,  13, 14, 15, 42, 7, 100, 'h', 't'};
    ok(verify_raw(r, p, sizeof p, TOK_CLICK) != 0, "URL length 100 with 2 bytes left");
    is_str(err, "truncated URL", "reason");
    tok_keyring_free(r);
}

/* ---------------------------------------------------------------------
 * keys and rotation
 * --------------------------------------------------------------------- */

static void
token_signed_by_old_key_verifies(void)
{
    struct tok_keyring *before = ring_of("k0:" SECRET0, NULL), *after = main_ring();
    struct tok_claims c = click("https://shop.example/"), out;
    char *tok = issue(before, &c);
    ok(tok && verify(after, tok, TOK_CLICK, &out) == 0, "verifies after rotation: %s", err);
    is_str(out.key_id, "k0", "names the old key");
    free(tok);
    tok_keyring_free(before);
    tok_keyring_free(after);
}

static void
every_old_key_in_the_list_verifies(void)
{
    struct tok_keyring *r = ring_of("k1:" SECRET1, " k0:" SECRET0 " , ,k2:" SECRET2 " ");
    struct tok_keyring *s0 = ring_of("k0:" SECRET0, NULL), *s2 = ring_of("k2:" SECRET2, NULL);
    struct tok_claims c = {.purpose = TOK_OPEN, .contact = 1}, out;
    char *t0 = issue(s0, &c), *t2 = issue(s2, &c);
    ok(r && t0 && verify(r, t0, TOK_OPEN, &out) == 0, "k0 verifies");
    ok(r && t2 && verify(r, t2, TOK_OPEN, &out) == 0, "k2 verifies");
    free(t0), free(t2);
    tok_keyring_free(r), tok_keyring_free(s0), tok_keyring_free(s2);
}

static void
token_signed_by_key_not_in_ring_is_rejected(void)
{
    struct tok_keyring *stranger = ring_of("k9:" SECRET2, NULL), *r = main_ring();
    struct tok_claims c = click("https://shop.example/"), out;
    char *tok = issue(stranger, &c);
    ok(tok && verify(r, tok, TOK_CLICK, &out) != 0, "rejected");
    is_str(err, "unknown key id \"k9\"", "reason");
    free(tok);
    tok_keyring_free(stranger);
    tok_keyring_free(r);
}

static void
token_signed_under_known_id_with_other_secret_is_rejected(void)
{
    struct tok_keyring *impostor = ring_of("k1:" SECRET2, NULL), *r = main_ring();
    struct tok_claims c = click("https://shop.example/"), out;
    char *tok = issue(impostor, &c);
    ok(tok && verify(r, tok, TOK_CLICK, &out) != 0, "rejected");
    is_str(err, "signature does not match", "reason");
    free(tok);
    tok_keyring_free(impostor);
    tok_keyring_free(r);
}

static void
old_key_never_signs(void)
{
    struct tok_keyring *only_old = ring_of(NULL, "k0:" SECRET0), *r = main_ring();
    struct tok_claims c = click("https://shop.example/"), out;
    char *none = issue(only_old, &c);
    ok(!none, "a ring with old keys only cannot issue");
    is_str(err, "the keyring has no signing key", "reason");
    ok(tok_keyring_signing_id(only_old) == NULL, "no signing id");
    char *tok = issue(r, &c);
    ok(tok && tok_inspect(tok, strlen(tok), &out, err, sizeof err) == 0, "inspects");
    is_str(out.key_id, "k1", "issued with the current key, not the old one");
    is_str(tok_keyring_signing_id(r), "k1", "signing id");
    free(none);
    free(tok);
    tok_keyring_free(only_old);
    tok_keyring_free(r);
}

/* The message tok_keyring_add() gives for `spec`, or "(accepted)". */
static const char *
add_error(const char *spec, bool signing)
{
    struct tok_keyring *r = tok_keyring_new();
    int rc = r ? tok_keyring_add(r, spec, signing, err, sizeof err) : -1;
    tok_keyring_free(r);
    return rc ? err : "(accepted)";
}

static void
key_without_colon_is_refused(void)
{
    is_str(add_error(SECRET1, true), "hmac: expected \"<key id>:<base64 secret>\"", "message");
}

static void
key_without_secret_is_refused(void)
{
    is_str(add_error("k1:", true), "hmac: expected \"<key id>:<base64 secret>\"", "message");
    is_str(add_error("", true), "hmac: expected \"<key id>:<base64 secret>\"", "empty value");
}

static void
key_id_of_wrong_length_is_refused(void)
{
    is_str(add_error(":" SECRET1, true), "hmac: key id must be 1 to 8 characters", "empty id");
    is_str(add_error("k12345678:" SECRET1, true), "hmac: key id must be 1 to 8 characters",
           "9 characters");
    is_str(add_error("k1234567:" SECRET1, true), "(accepted)", "8 characters");
}

static void
key_id_with_other_characters_is_refused(void)
{
    is_str(add_error("k 1:" SECRET1, true),
           "hmac: key id may only hold letters, digits, '_' and '-'", "space");
    is_str(add_error("k.1:" SECRET1, true),
           "hmac: key id may only hold letters, digits, '_' and '-'", "dot");
}

static void
secret_not_in_base64_is_refused(void)
{
    is_str(add_error("k1:not base64!", true), "hmac: secret is not valid base64", "junk");
    is_str(add_error("k1:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8", true),
           "hmac: secret is not valid base64", "padding missing");
}

static void
short_secret_is_refused(void)
{
    like(add_error("k1:AAECAwQFBgcICQoL", true),
         "hmac: secret is 12 bytes, at least 32 are required", "12 bytes");
}

static void
oversized_secret_is_refused(void)
{
    static char spec[600];
    strcpy(spec, "k1:");
    for (int i = 0; i < 86; i++)
        strcat(spec, "AAAA"); /* 258 bytes */
    is_str(add_error(spec, true), "hmac: secret is over 256 bytes", "258 bytes");
}

static void
old_key_errors_name_hmac_old(void)
{
    like(add_error("k0:" SECRET0 ",k2:AAECAwQFBgcICQoL", false),
         "hmac_old: secret is 12 bytes, at least 32 are required", "second entry");
}

static void
duplicate_key_id_is_refused(void)
{
    struct tok_keyring *r = main_ring();
    ok(r && tok_keyring_add(r, "k1:" SECRET2, false, err, sizeof err) != 0, "refused");
    is_str(err, "hmac_old: key id \"k1\" is already in the keyring", "message");
    is_str(add_error("k3:" SECRET0 ",k3:" SECRET1, false),
           "hmac_old: key id \"k3\" is already in the keyring", "twice in the list");
    tok_keyring_free(r);
}

static void
second_signing_key_is_refused(void)
{
    struct tok_keyring *r = main_ring();
    ok(r && tok_keyring_add(r, "k5:" SECRET2, true, err, sizeof err) != 0, "refused");
    is_str(err, "hmac: the keyring already has a signing key", "message");
    tok_keyring_free(r);
}

static void
failed_add_leaves_ring_unchanged(void)
{
    struct tok_keyring *r = ring_of("k1:" SECRET1, NULL), *s2 = ring_of("k2:" SECRET2, NULL);
    struct tok_claims c = {.purpose = TOK_OPEN, .contact = 1}, out;
    ok(r && tok_keyring_add(r, "k2:" SECRET2 ",k3:short", false, err, sizeof err) != 0,
       "the list is refused");
    char *tok = issue(s2, &c);
    ok(tok && verify(r, tok, TOK_OPEN, &out) != 0, "its good first entry was not added");
    free(tok);
    tok_keyring_free(r);
    tok_keyring_free(s2);
}

static void
key_parse_validates_without_side_effects(void)
{
    struct tok_key k;
    ok(tok_key_parse("k1:" SECRET1, NULL, err, sizeof err) == 0, "valid spec, no output");
    ok(tok_key_parse("k1:" SECRET1, &k, err, sizeof err) == 0, "valid spec");
    is_str(k.id, "k1", "id");
    ok(k.secret_len == 32 && k.secret[0] == 32 && k.secret[31] == 63, "secret bytes");
    ok(tok_key_parse("k1:AAECAwQFBgcICQoL", NULL, err, sizeof err) != 0, "short secret");
    like(err, "secret is 12 bytes", "reason without a config key in front");
    ok(strncmp(err, "hmac", 4) != 0, "no key name prefix");
}

/* ---------------------------------------------------------------------
 * issuing limits
 * --------------------------------------------------------------------- */

static void
url_with_control_character_is_not_issued(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = click("https://shop.example/\r\nSet-Cookie: a=b");
    struct buf b = BUF_INIT;
    ok(tok_issue(r, &c, &b, err, sizeof err) != 0, "refused");
    like(err, "control character", "reason");
    is_int(b.len, 0, "nothing appended");
    buf_free(&b);
    tok_keyring_free(r);
}

static void
empty_or_oversized_url_is_not_issued(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = click("");
    char *tok = issue(r, &c);
    ok(!tok, "empty URL refused");
    static char big[TOK_URL_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    ok(!tok_claims_set_url(&c, big, TOK_URL_MAX + 1), "set_url refuses 2049 bytes");
    c.url_len = TOK_URL_MAX + 1; /* set by hand anyway */
    ok(!(tok = issue(r, &c)), "issue refuses it too");
    free(tok);
    tok_keyring_free(r);
}

static void
unsubscribe_needs_contact_and_list(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = {.purpose = TOK_UNSUBSCRIBE, .contact = 0};
    tok_claims_set_list(&c, "marketing");
    char *tok = issue(r, &c);
    ok(!tok, "contact 0 refused");
    like(err, "contact id must be positive", "reason");
    c.contact = 3;
    tok_claims_set_list(&c, "");
    ok(!(tok = issue(r, &c)), "empty list refused");
    tok_claims_set_list(&c, "spaces are not ok");
    ok(!(tok = issue(r, &c)), "list with spaces refused");
    tok_keyring_free(r);
}

static void
expiry_before_issue_is_not_issued(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = dated(TOK_CONFIRM);
    c.expires = c.issued;
    char *tok = issue(r, &c);
    ok(!tok, "refused");
    like(err, "expiry must be after the issue time", "reason");
    tok_keyring_free(r);
}

/* ---------------------------------------------------------------------
 * helpers
 * --------------------------------------------------------------------- */

static void
inspect_decodes_without_the_key(void)
{
    struct tok_keyring *stranger = ring_of("zz:" SECRET2, NULL);
    struct tok_claims c = dated(TOK_PREFERENCES), out;
    char *tok = issue(stranger, &c);
    ok(tok && tok_inspect(tok, strlen(tok), &out, err, sizeof err) == 0, "decodes");
    is_str(out.key_id, "zz", "key id");
    is_int(out.purpose, TOK_PREFERENCES, "purpose");
    is_int(out.expires, c.expires, "expiry");
    free(tok);
    tok_keyring_free(stranger);
}

static void
verify_reads_only_len_characters(void)
{
    struct tok_keyring *r = main_ring();
    struct tok_claims c = {.purpose = TOK_OPEN, .contact = 1}, out;
    char *tok = issue(r, &c);
    size_t len = tok ? strlen(tok) : 0;
    char *path = malloc(len + 8);
    if (path) snprintf(path, len + 8, "%s.gif", tok ? tok : "");
    ok(path && tok_verify(r, path, len, TOK_OPEN, NOW, &out, err, sizeof err) == 0,
       "token followed by .gif");
    free(path);
    free(tok);
    tok_keyring_free(r);
}

static void
uuid_text_round_trips(void)
{
    unsigned char u[16];
    char text[TOK_UUID_STRLEN + 1];
    const char *in = "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0";
    ok(tok_uuid_parse(in, strlen(in), u) && memcmp(u, MSG, 16) == 0, "parses upper case");
    tok_uuid_format(u, text);
    is_str(text, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "formats lower case");
}

static void
malformed_uuid_is_refused(void)
{
    unsigned char u[16];
    const char *bad[] = {"0f1e2d3c4b5a69788796a5b4c3d2e1f0", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f",
                         "0f1e2d3c-4b5a-6978-8796_a5b4c3d2e1f0",
                         "{f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f}",
                         "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1g0"};
    int accepted = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        accepted += tok_uuid_parse(bad[i], strlen(bad[i]), u);
    is_int(accepted, 0, "none accepted");
}

static void
purpose_names_round_trip(void)
{
    int bad = 0;
    for (int p = TOK_CLICK; p <= TOK_PREFERENCES; p++)
        bad += (int)tok_purpose_from_name(tok_purpose_name((enum tok_purpose)p)) != p;
    is_int(bad, 0, "every purpose");
    is_str(tok_purpose_name(TOK_UNSUBSCRIBE), "unsubscribe", "name");
    is_int(tok_purpose_from_name("redirect"), 0, "unknown name");
}

int
main(void)
{
    mac_is_hmac_sha256_for_every_key_length();
    click_round_trips();
    anonymous_click_round_trips();
    open_round_trips();
    unsubscribe_round_trips_with_message();
    unsubscribe_round_trips_without_message();
    confirm_round_trips();
    preferences_round_trips();
    url_bytes_round_trip_exactly();
    longest_url_round_trips();
    issuing_is_deterministic();
    click_token_matches_documented_example();

    tampered_character_anywhere_is_rejected();
    tampered_byte_anywhere_is_rejected();
    truncated_token_is_rejected();
    url_swapped_under_original_mac_is_rejected();
    url_of_other_length_under_original_mac_is_rejected();
    wrong_purpose_is_rejected();
    expired_confirm_token_is_rejected();
    expired_preferences_token_is_rejected();
    click_and_open_tokens_do_not_expire();
    overlong_input_is_rejected_without_reading_it();
    standard_alphabet_in_token_is_rejected();
    padded_token_is_rejected();
    correctly_signed_open_payload_verifies();
    trailing_bytes_are_rejected();
    unknown_version_is_rejected();
    overlong_varint_is_rejected();
    url_length_past_the_end_is_rejected();

    token_signed_by_old_key_verifies();
    every_old_key_in_the_list_verifies();
    token_signed_by_key_not_in_ring_is_rejected();
    token_signed_under_known_id_with_other_secret_is_rejected();
    old_key_never_signs();
    key_without_colon_is_refused();
    key_without_secret_is_refused();
    key_id_of_wrong_length_is_refused();
    key_id_with_other_characters_is_refused();
    secret_not_in_base64_is_refused();
    short_secret_is_refused();
    oversized_secret_is_refused();
    old_key_errors_name_hmac_old();
    duplicate_key_id_is_refused();
    second_signing_key_is_refused();
    failed_add_leaves_ring_unchanged();
    key_parse_validates_without_side_effects();

    url_with_control_character_is_not_issued();
    empty_or_oversized_url_is_not_issued();
    unsubscribe_needs_contact_and_list();
    expiry_before_issue_is_not_issued();

    inspect_decodes_without_the_key();
    verify_reads_only_len_characters();
    uuid_text_round_trips();
    malformed_uuid_is_refused();
    purpose_names_round_trip();
    return tap_done();
}
