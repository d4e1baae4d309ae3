/*
 * token_fuzz.c - libFuzzer target for token decoding and base64url
 *
 * Each input is used three ways against one fixed keyring (signing key k1,
 * old key k0):
 *   1. as token text, verified for every purpose and inspected; at most
 *      one purpose may accept it, and inspect must agree with verify on
 *      every field it decodes;
 *   2. as base64url (and padded base64) text, whose decoding must encode
 *      back to the very same text;
 *   3. as a raw payload, signed here with k1's secret, so the field parser
 *      sees inputs that pass the MAC: whatever verifies must issue back to
 *      the identical token (one canonical encoding per claims value).
 * Any disagreement traps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "b64.h"
#include "buf.h"
#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET0 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" /* bytes 0..31 */
#define SECRET1 "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=" /* bytes 32..63 */
#define NOW     1700000000

static struct tok_keyring *ring;

static struct tok_keyring *
fixed_ring(void)
{
    char err[128];
    if (ring) return ring;
    ring = tok_keyring_new();
    if (!ring || tok_keyring_add(ring, "k1:" SECRET1, true, err, sizeof err) ||
        tok_keyring_add(ring, "k0:" SECRET0, false, err, sizeof err))
        __builtin_trap();
    return ring;
}

/* Verify `text` for every purpose; at most one may accept it. */
static void
as_token(const char *text, size_t len)
{
    struct tok_claims seen, out;
    char err[256];
    int accepted = 0;
    int inspected = tok_inspect(text, len, &seen, err, sizeof err) == 0;
    for (int p = TOK_CLICK; p <= TOK_PREFERENCES; p++) {
        if (tok_verify(fixed_ring(), text, len, (enum tok_purpose)p, NOW, &out, err, sizeof err))
            continue;
        accepted++;
        if (!inspected || memcmp(&seen, &out, sizeof out) != 0 || (int)out.purpose != p)
            __builtin_trap();
        if (out.url_len > TOK_URL_MAX || out.url[out.url_len] != '\0') __builtin_trap();
    }
    if (accepted > 1) __builtin_trap();
}

/* Strict decoding means decode-then-encode gives the input back. */
static void
as_base64(const char *text, size_t len, enum b64_alphabet a)
{
    static unsigned char raw[4096];
    static char back[B64_ENCODED_SIZE(4096)];
    size_t n;
    if (len > 5000 || !b64_decode(text, len, a, raw, sizeof raw, &n)) return;
    if (b64_encode(raw, n, a, back) != len || memcmp(back, text, len) != 0) __builtin_trap();
}

/* Sign `data` as a payload with k1; what verifies must re-issue identically. */
static void
as_payload(const uint8_t *data, size_t size)
{
    static unsigned char key[32], raw[TOK_TOKEN_MAX];
    static char text[B64_ENCODED_SIZE(TOK_TOKEN_MAX)];
    size_t klen;
    unsigned maclen;
    unsigned char mac[32];
    if (size + TOK_MAC_LEN > TOK_TOKEN_MAX / 4 * 3) return;
    if (!b64_decode(SECRET1, strlen(SECRET1), B64_STD, key, sizeof key, &klen)) __builtin_trap();
    HMAC(EVP_sha256(), key, (int)klen, data, size, mac, &maclen);
    memcpy(raw, data, size);
    memcpy(raw + size, mac, TOK_MAC_LEN);
    size_t len = b64_encode(raw, size + TOK_MAC_LEN, B64_URL, text);
    as_token(text, len);

    struct tok_claims out;
    char err[256];
    struct buf again = BUF_INIT;
    if (size < 2 ||
        tok_verify(fixed_ring(), text, len, (enum tok_purpose)data[1], NOW, &out, err, sizeof err))
        return;
    if (tok_issue(fixed_ring(), &out, &again, err, sizeof err) || again.len != len ||
        memcmp(again.data, text, len) != 0)
        __builtin_trap();
    buf_free(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    as_token((const char *)data, size);
    as_base64((const char *)data, size, B64_URL);
    as_base64((const char *)data, size, B64_STD);
    as_payload(data, size);
    return 0;
}
