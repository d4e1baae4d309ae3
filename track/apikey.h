/*
 * apikey.h - the text form of events API keys, and their hashes
 *
 * Owns: the key format "tern_<id>_<secret>" (id: 8 lower-case hex digits,
 * the primary key of tern.api_keys; secret: 32 random bytes in unpadded
 * base64url), making new keys and hashing secrets. Only the SHA-256 of the
 * secret is ever stored; the whole key is shown once, at creation.
 *
 * Depends on: lib/b64, OpenSSL (RAND_bytes, SHA-256).
 */
#ifndef TERN_TRACK_APIKEY_H
#define TERN_TRACK_APIKEY_H

#include <stdbool.h>
#include <stddef.h>

#define APIKEY_ID_LEN     8
#define APIKEY_SECRET_LEN 32 /* bytes */
#define APIKEY_TEXT_MAX   64 /* "tern_" + id + "_" + 43 characters, NUL included */
#define APIKEY_HASH_LEN   32

struct apikey {
    char id[APIKEY_ID_LEN + 1];
    unsigned char hash[APIKEY_HASH_LEN]; /* SHA-256 of the secret bytes */
};

/* A new random key: its text (shown once) and what is stored. False when no randomness. */
bool apikey_generate(char text[APIKEY_TEXT_MAX], struct apikey *stored);

/* Parse key text into its id and the hash of its secret. False when it is not a key. */
bool apikey_parse(const char *text, size_t len, struct apikey *out);

#endif
