/*
 * apikey.c - key text, generation and hashing (see apikey.h)
 */
#include "apikey.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "b64.h"

#define PREFIX "tern_"

static bool
is_id(const char *s)
{
    for (int i = 0; i < APIKEY_ID_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

bool
apikey_generate(char text[APIKEY_TEXT_MAX], struct apikey *stored)
{
    unsigned char id[APIKEY_ID_LEN / 2], secret[APIKEY_SECRET_LEN];
    char enc[B64_ENCODED_SIZE(APIKEY_SECRET_LEN)];
    if (RAND_bytes(id, sizeof id) != 1 || RAND_bytes(secret, sizeof secret) != 1) return false;
    for (size_t i = 0; i < sizeof id; i++)
        snprintf(stored->id + 2 * i, 3, "%02x", id[i]);
    size_t n = b64_encode(secret, sizeof secret, B64_URL, enc);
    enc[n] = '\0';
    snprintf(text, APIKEY_TEXT_MAX, PREFIX "%s_%s", stored->id, enc);
    SHA256(secret, sizeof secret, stored->hash);
    OPENSSL_cleanse(secret, sizeof secret);
    return true;
}

bool
apikey_parse(const char *text, size_t len, struct apikey *out)
{
    const size_t head = strlen(PREFIX) + APIKEY_ID_LEN + 1;
    unsigned char secret[APIKEY_SECRET_LEN + 3];
    size_t n;
    if (len <= head || len >= APIKEY_TEXT_MAX || memcmp(text, PREFIX, strlen(PREFIX)) != 0 ||
        !is_id(text + strlen(PREFIX)) || text[head - 1] != '_')
        return false;
    if (!b64_decode(text + head, len - head, B64_URL, secret, sizeof secret, &n) ||
        n != APIKEY_SECRET_LEN)
        return false;
    memcpy(out->id, text + strlen(PREFIX), APIKEY_ID_LEN);
    out->id[APIKEY_ID_LEN] = '\0';
    SHA256(secret, n, out->hash);
    OPENSSL_cleanse(secret, sizeof secret);
    return true;
}
