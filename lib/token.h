/*
 * token.h - signed tracking tokens and the keyring that signs them
 *
 * Owns: the token format of doc/tokens.md (the public contract: tokens in
 * mail already sent must keep verifying), issuing tokens, verifying them,
 * and the HMAC keyring built from [keys] hmac and hmac_old. A token is one
 * URL path segment under track.base_url:
 *
 *     /c/<token>  click        /o/<token>  open          /u/<token>  unsubscribe
 *     /confirm/<token> confirm (double opt-in)            /p/<token>  preferences
 *
 * It is a versioned binary payload (version, purpose, key id, the purpose's
 * fields) followed by HMAC-SHA256 over the payload truncated to 16 bytes,
 * all in unpadded base64url. Everything the endpoint needs is in the token
 * (a click token carries its destination URL), so verifying needs no
 * database: one HMAC over ~100 bytes, well under a microsecond.
 * Depends on: lib/b64, lib/buf, OpenSSL 3 (SHA256, CRYPTO_memcmp, OPENSSL_cleanse).
 *
 * SYNOPSIS
 *     struct tok_keyring *ring = tok_keyring_new();
 *     const char *old = cfg->keys.hmac_old ? cfg->keys.hmac_old : "";
 *     if (!ring || tok_keyring_add(ring, cfg->keys.hmac, true, err, sizeof err) ||
 *         tok_keyring_add(ring, old, false, err, sizeof err))
 *         fail(err);
 *
 *     struct tok_claims c = {.purpose = TOK_CLICK, .contact = 42, .link = 3};
 *     memcpy(c.message, uuid, 16);
 *     tok_claims_set_url(&c, href, href_len);
 *     tok_issue(ring, &c, &url, err, sizeof err);        (appends the token to `url`)
 *
 *     if (tok_verify(ring, seg, seg_len, TOK_CLICK, time(NULL), &c, err, sizeof err))
 *         return not_found();                             (never redirect on failure)
 *     redirect(c.url, c.url_len);
 *
 * THREADS
 *     A keyring is filled once, then only read: any number of threads may
 *     issue and verify with it at the same time. Reloading builds a new one.
 *
 * DIAGNOSTICS
 *     Every function returning int returns 0 on success and -1 on failure
 *     with a one-line reason in `err` (truncated to `errlen`, which may be 0).
 *     Verification reasons are for logs and `tern token inspect`; an
 *     endpoint answers every failure the same way. They never echo token
 *     bytes other than a well-formed key id.
 */
#ifndef TERN_TOKEN_H
#define TERN_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define TOK_VERSION     1    /* the payload version this code issues */
#define TOK_KEYID_MAX   8    /* key id characters, [A-Za-z0-9_-] */
#define TOK_SECRET_MIN  32   /* decoded secret bytes */
#define TOK_SECRET_MAX  256  /* decoded secret bytes */
#define TOK_KEYS_MAX    16   /* keys in one keyring, current and old */
#define TOK_MAC_LEN     16   /* truncated HMAC-SHA256 bytes in a token */
#define TOK_URL_MAX     2048 /* destination URL bytes in a click token */
#define TOK_LIST_MAX    64   /* list/category bytes in an unsubscribe token */
#define TOK_TOKEN_MAX   4096 /* token characters; longer input is rejected unread */
#define TOK_UUID_STRLEN 36   /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" */

/* The purpose byte of a token; the values are part of the format. */
enum tok_purpose {
    TOK_CLICK = 1,       /* message, contact (0: anonymous), link index, destination URL */
    TOK_OPEN = 2,        /* message, contact (0: anonymous) */
    TOK_UNSUBSCRIBE = 3, /* contact, optional message, list or category */
    TOK_CONFIRM = 4,     /* contact, issued-at, expiry */
    TOK_PREFERENCES = 5, /* contact, issued-at, expiry */
};

/*
 * What a token says. Fill it to issue (fields a purpose does not carry are
 * ignored); tok_verify() fills it completely, zeroing those fields. The URL
 * and list are stored in the struct itself, NUL-terminated, so a verified
 * claims value owns everything it holds and may be copied freely.
 */
struct tok_claims {
    enum tok_purpose purpose;
    char key_id[TOK_KEYID_MAX + 1]; /* verify: the key that signed it; issue: ignored */
    unsigned char message[16];      /* message UUID, raw bytes (click, open, unsubscribe) */
    bool has_message;               /* unsubscribe: whether `message` is set; click/open: always */
    int64_t contact;                /* >= 0; 0 = anonymous, allowed for click and open only */
    uint32_t link;                  /* click: index of the link in the message */
    int64_t issued;                 /* confirm, preferences: Unix seconds, >= 0 */
    int64_t expires;                /* confirm, preferences: Unix seconds, > issued */
    char list[TOK_LIST_MAX + 1];    /* unsubscribe: 1-64 of [A-Za-z0-9._:-], e.g. "marketing" */
    size_t url_len;                 /* click: 1..TOK_URL_MAX bytes, no control characters */
    char url[TOK_URL_MAX + 1];
};

/* One parsed key. `secret` is key material: wipe it (OPENSSL_cleanse) when done. */
struct tok_key {
    char id[TOK_KEYID_MAX + 1];
    unsigned char secret[TOK_SECRET_MAX];
    size_t secret_len;
};

struct tok_keyring;

/* ---------------------------------------------------------------------
 * keys
 * --------------------------------------------------------------------- */

/*
 * Parse one key spec "<key id>:<base64 secret>" into `out` (which may be
 * NULL to only validate). No side effects: the config loader calls it to
 * check [keys] at load time. The reason in `err` has no key name in front,
 * so the caller can add its own: expected "<key id>:<base64 secret>" |
 * key id must be 1 to 8 characters | key id may only hold letters, digits,
 * '_' and '-' | secret is not valid base64 | secret is 12 bytes, at least
 * 32 are required (...) | secret is over 256 bytes.
 * Example: tok_key_parse("k1:" + 44 base64 chars of 32 bytes, &k, ...) == 0.
 */
int tok_key_parse(const char *spec, struct tok_key *out, char *err, size_t errlen);

/* An empty keyring, or NULL on out of memory. */
struct tok_keyring *tok_keyring_new(void);

/* Wipe the secrets and free the keyring. NULL is allowed. */
void tok_keyring_free(struct tok_keyring *ring);

/*
 * Add keys to `ring` before it is shared. With `signing`, `spec` is the one
 * current key ([keys] hmac) used to sign new tokens; a ring has at most one.
 * Without it, `spec` is a comma-separated list of old keys ([keys]
 * hmac_old; blanks around entries are ignored, an empty list adds
 * nothing), which verify but never sign. Reasons are prefixed with the config key name:
 *     hmac: expected "<key id>:<base64 secret>"
 *     hmac: secret is 12 bytes, at least 32 are required (...)
 *     hmac_old: key id "k0" is already in the keyring
 * On failure the ring is unchanged.
 */
int tok_keyring_add(struct tok_keyring *ring, const char *spec, bool signing, char *err,
                    size_t errlen);

/* The id of the signing key, or NULL when the ring has none yet. */
const char *tok_keyring_signing_id(const struct tok_keyring *ring);

/* ---------------------------------------------------------------------
 * tokens
 * --------------------------------------------------------------------- */

/*
 * Append the token for `claims`, signed with the ring's signing key, to
 * `out`. The same claims and key always give the same token. Fails, with
 * `out` unchanged, on claims the format cannot carry (negative or missing
 * contact, empty or over-long URL, URL with control characters, bad list
 * name, expiry not after issue ...), on a ring without a signing key, and
 * on out of memory.
 */
int tok_issue(const struct tok_keyring *ring, const struct tok_claims *claims, struct buf *out,
              char *err, size_t errlen);

/*
 * Verify the `len` characters at `token` (no NUL needed) as a token for
 * the endpoint `expect`, at Unix time `now`, and fill `*out`. Rejected:
 * more than TOK_TOKEN_MAX characters (before reading any of them), anything
 * but unpadded base64url, an unknown version or purpose, a key id not in
 * the ring, a MAC that does not match (compared in constant time), another
 * purpose than `expect`, any field out of bounds or not in its one canonical
 * encoding, bytes after the last field, and confirm or preferences tokens
 * with now >= expires. On failure `*out` is zeroed.
 */
int tok_verify(const struct tok_keyring *ring, const char *token, size_t len,
               enum tok_purpose expect, int64_t now, struct tok_claims *out, char *err,
               size_t errlen);

/*
 * Decode a token's fields without checking its MAC, key, purpose or
 * expiry, for support tooling (`tern token inspect` shows what a token
 * says, then tok_verify() says whether to believe it). Never use the
 * result to act on a request.
 */
int tok_inspect(const char *token, size_t len, struct tok_claims *out, char *err, size_t errlen);

/* Store `len` bytes of `url` in `c` (NUL-terminated). False when over TOK_URL_MAX. */
bool tok_claims_set_url(struct tok_claims *c, const char *url, size_t len);

/* Store the C string `list` in `c`. False when over TOK_LIST_MAX (checked fully on issue). */
bool tok_claims_set_list(struct tok_claims *c, const char *list);

/* "click", "open", "unsubscribe", "confirm", "preferences"; "unknown" otherwise. */
const char *tok_purpose_name(enum tok_purpose p);

/* The URL path of a purpose under track.base_url: "/c/", "/o/", "/u/", "/confirm/", "/p/"; NULL if unknown. */
const char *tok_purpose_path(enum tok_purpose p);

/*
 * Append the whole tracking URL, base_url + path of the purpose + token,
 * to `out` (unchanged on failure). `base_url` has no trailing slash.
 */
int tok_url(const struct tok_keyring *ring, const char *base_url, const struct tok_claims *claims,
            struct buf *out, char *err, size_t errlen);

/* The purpose named `name` (as above), or 0 when there is none. */
enum tok_purpose tok_purpose_from_name(const char *name);

/* ---------------------------------------------------------------------
 * message UUIDs
 * --------------------------------------------------------------------- */

/*
 * Parse the canonical text form (8-4-4-4-12 hex digits, either case, `len`
 * characters, no braces or "urn:uuid:") into 16 bytes. False otherwise.
 */
bool tok_uuid_parse(const char *s, size_t len, unsigned char out[16]);

/* Format 16 bytes as lower-case canonical text into `out` (37 bytes, NUL-terminated). */
void tok_uuid_format(const unsigned char uuid[16], char out[TOK_UUID_STRLEN + 1]);

#endif
