/*
 * token.c - signed tracking tokens (see token.h and doc/tokens.md)
 *
 * Issuing writes the payload into a fixed stack buffer with a bounds-checked
 * writer, appends the truncated HMAC and base64url-encodes the lot.
 * Verifying bounds the text length first, decodes it strictly, parses every
 * field with a bounds-checked reader that accepts only the canonical
 * encoding (so decode-then-issue gives back the same token), then finds the
 * key named in the token and compares MACs with CRYPTO_memcmp.
 *
 * Each key keeps the two SHA-256 states of HMAC (RFC 2104) that depend on
 * the secret alone: after hashing the key XOR ipad block, and after the
 * key XOR opad block. A MAC copies them (plain structs, no allocation),
 * hashes the payload into the inner one and the inner digest into the
 * outer one. Duplicating a keyed EVP_MAC_CTX instead goes through the
 * provider and allocates several contexts for every token: issuing a click
 * token took 1.5 us that way and takes 0.55 us now. The ring stays
 * read-only, hence shareable between threads. The SHA256_* functions are
 * the one OpenSSL interface whose state can be copied like that; OpenSSL 3
 * marks them deprecated but keeps them, and they use the same assembly as
 * EVP. The result is the same HMAC-SHA256 as before: tokens already sent
 * verify unchanged.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init & co., see above */
#include "token.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "b64.h"

#define HEADER_MIN        4    /* version, purpose, key id length, one key id byte */
#define PAYLOAD_MAX       2200 /* longest v1 payload (a click with a 2048-byte URL) is 2091 */
#define RAW_MAX           (TOK_TOKEN_MAX / 4 * 3)
#define VARINT_MAX        10 /* bytes of a 64-bit LEB128 value */
#define UNSUB_HAS_MESSAGE 0x01

struct ring_key {
    char id[TOK_KEYID_MAX + 1];
    SHA256_CTX inner, outer; /* after the key XOR ipad / opad block; only ever copied */
};

struct tok_keyring {
    struct ring_key keys[TOK_KEYS_MAX];
    size_t n;
    int signer; /* index into keys, -1 until the signing key is added */
};

static const char *const purpose_names[] = {
    [TOK_CLICK] = "click",
    [TOK_OPEN] = "open",
    [TOK_UNSUBSCRIBE] = "unsubscribe",
    [TOK_CONFIRM] = "confirm",
    [TOK_PREFERENCES] = "preferences",
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fill `err` (if there is room) and return -1, so callers can `return fail(...)`. */
static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static bool
is_id_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static bool
valid_id(const char *p, size_t n)
{
    if (n == 0 || n > TOK_KEYID_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_id_char((unsigned char)p[i])) return false;
    return true;
}

/* List names are identifiers, safe in a page, a log line or a URL. */
static bool
valid_list(const char *p, size_t n)
{
    if (n == 0 || n > TOK_LIST_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!is_id_char(c) && c != '.' && c != ':') return false;
    }
    return true;
}

/* No C0 controls or DEL: the URL ends up in a Location header. */
static bool
valid_url(const char *p, size_t n)
{
    if (n == 0 || n > TOK_URL_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7f) return false;
    }
    return true;
}

/* ---------------------------------------------------------------------
 * keys
 * --------------------------------------------------------------------- */

/* Parse the `len` bytes at `spec`; see tok_key_parse(). */
static int
parse_key(const char *spec, size_t len, struct tok_key *out, char *err, size_t errlen)
{
    const char *colon = memchr(spec, ':', len);
    if (!colon || colon + 1 == spec + len)
        return fail(err, errlen, "expected \"<key id>:<base64 secret>\"");
    size_t idlen = (size_t)(colon - spec);
    if (idlen == 0 || idlen > TOK_KEYID_MAX)
        return fail(err, errlen, "key id must be 1 to %d characters", TOK_KEYID_MAX);
    if (!valid_id(spec, idlen))
        return fail(err, errlen, "key id may only hold letters, digits, '_' and '-'");
    const char *text = colon + 1;
    size_t tlen = len - idlen - 1;
    if (tlen > b64_encoded_len(TOK_SECRET_MAX, B64_STD))
        return fail(err, errlen, "secret is over %d bytes", TOK_SECRET_MAX);
    struct tok_key k = {.secret_len = 0};
    unsigned char raw[TOK_SECRET_MAX + 3]; /* what the longest text allowed can hold */
    size_t n = 0;
    bool good = b64_decode(text, tlen, B64_STD, raw, sizeof raw, &n);
    if (good && n >= TOK_SECRET_MIN && n <= TOK_SECRET_MAX) memcpy(k.secret, raw, n);
    OPENSSL_cleanse(raw, sizeof raw);
    if (!good) return fail(err, errlen, "secret is not valid base64");
    if (n > TOK_SECRET_MAX) return fail(err, errlen, "secret is over %d bytes", TOK_SECRET_MAX);
    if (n < TOK_SECRET_MIN)
        return fail(err, errlen,
                    "secret is %zu bytes, at least %d are required "
                    "(make one with: openssl rand -base64 32)",
                    n, TOK_SECRET_MIN);
    k.secret_len = n;
    memcpy(k.id, spec, idlen);
    k.id[idlen] = '\0';
    if (out) *out = k;
    OPENSSL_cleanse(&k, sizeof k);
    return 0;
}

int
tok_key_parse(const char *spec, struct tok_key *out, char *err, size_t errlen)
{
    return parse_key(spec, strlen(spec), out, err, errlen);
}

struct tok_keyring *
tok_keyring_new(void)
{
    struct tok_keyring *ring = calloc(1, sizeof *ring);
    if (ring) ring->signer = -1;
    return ring;
}

void
tok_keyring_free(struct tok_keyring *ring)
{
    if (!ring) return;
    OPENSSL_cleanse(ring, sizeof *ring); /* the key states are as good as the secrets */
    free(ring);
}

const char *
tok_keyring_signing_id(const struct tok_keyring *ring)
{
    return ring->signer < 0 ? NULL : ring->keys[ring->signer].id;
}

static const struct ring_key *
find_key(const struct tok_keyring *ring, const char *id)
{
    for (size_t i = 0; i < ring->n; i++)
        if (strcmp(ring->keys[i].id, id) == 0) return &ring->keys[i];
    return NULL;
}

/* The inner and outer HMAC-SHA256 states of `k`'s secret (RFC 2104 section 2). */
static void
key_states(const struct tok_key *k, struct ring_key *rk)
{
    unsigned char key[SHA256_CBLOCK] = {0}, pad[SHA256_CBLOCK];
    if (k->secret_len > SHA256_CBLOCK)
        SHA256(k->secret, k->secret_len, key); /* a long key is hashed first */
    else
        memcpy(key, k->secret, k->secret_len);
    for (size_t i = 0; i < SHA256_CBLOCK; i++)
        pad[i] = key[i] ^ 0x36;
    SHA256_Init(&rk->inner);
    SHA256_Update(&rk->inner, pad, sizeof pad);
    for (size_t i = 0; i < SHA256_CBLOCK; i++)
        pad[i] = key[i] ^ 0x5c;
    SHA256_Init(&rk->outer);
    SHA256_Update(&rk->outer, pad, sizeof pad);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(pad, sizeof pad);
}

/* Split `spec` into parsed keys: one for the signing key, a comma list otherwise. */
static int
parse_specs(const char *spec, bool signing, struct tok_key *keys, size_t cap, size_t *n, char *err,
            size_t errlen)
{
    const char *name = signing ? "hmac" : "hmac_old";
    char why[160];
    *n = 0;
    for (const char *p = spec; *p;) {
        size_t len = signing ? strlen(p) : strcspn(p, ",");
        const char *next = p + len + (p[len] == ',');
        while (len && (p[0] == ' ' || p[0] == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len) { /* blank entries in the list are skipped */
            if (*n == cap) return fail(err, errlen, "%s: more than %d keys", name, TOK_KEYS_MAX);
            if (parse_key(p, len, &keys[*n], why, sizeof why))
                return fail(err, errlen, "%s: %s", name, why);
            ++*n;
        }
        p = next;
    }
    if (signing && *n == 0)
        return fail(err, errlen, "%s: expected \"<key id>:<base64 secret>\"", name);
    return 0;
}

/* Refuse ids already in `ring` or twice in `keys`. */
static int
check_new_ids(const struct tok_keyring *ring, const struct tok_key *keys, size_t n,
              const char *name, char *err, size_t errlen)
{
    if (ring->n + n > TOK_KEYS_MAX)
        return fail(err, errlen, "%s: more than %d keys", name, TOK_KEYS_MAX);
    for (size_t i = 0; i < n; i++) {
        bool dup = find_key(ring, keys[i].id) != NULL;
        for (size_t j = 0; j < i && !dup; j++)
            dup = strcmp(keys[i].id, keys[j].id) == 0;
        if (dup)
            return fail(err, errlen, "%s: key id \"%s\" is already in the keyring", name,
                        keys[i].id);
    }
    return 0;
}

/* Key every parsed entry into the ring (checked before: they all fit). */
static void
commit_keys(struct tok_keyring *ring, const struct tok_key *keys, size_t n, bool signing)
{
    for (size_t i = 0; i < n; i++) {
        struct ring_key *rk = &ring->keys[ring->n];
        memcpy(rk->id, keys[i].id, sizeof rk->id);
        key_states(&keys[i], rk);
        if (signing) ring->signer = (int)ring->n;
        ring->n++;
    }
}

int
tok_keyring_add(struct tok_keyring *ring, const char *spec, bool signing, char *err, size_t errlen)
{
    const char *name = signing ? "hmac" : "hmac_old";
    struct tok_key keys[TOK_KEYS_MAX];
    size_t n = 0;
    int rc = -1;
    if (signing && ring->signer >= 0)
        rc = fail(err, errlen, "hmac: the keyring already has a signing key");
    else if (parse_specs(spec, signing, keys, TOK_KEYS_MAX, &n, err, errlen) == 0 &&
             check_new_ids(ring, keys, n, name, err, errlen) == 0) {
        commit_keys(ring, keys, n, signing);
        rc = 0;
    }
    OPENSSL_cleanse(keys, sizeof keys);
    return rc;
}

/* ---------------------------------------------------------------------
 * MAC
 * --------------------------------------------------------------------- */

/* The truncated HMAC of `n` payload bytes under `k`, into `out`. */
static void
compute_mac(const struct ring_key *k, const unsigned char *p, size_t n,
            unsigned char out[TOK_MAC_LEN])
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256_CTX c = k->inner;
    SHA256_Update(&c, p, n);
    SHA256_Final(digest, &c);
    c = k->outer;
    SHA256_Update(&c, digest, sizeof digest);
    SHA256_Final(digest, &c);
    memcpy(out, digest, TOK_MAC_LEN); /* leftmost bytes, as RFC 2104 section 5 says */
    OPENSSL_cleanse(&c, sizeof c);
}

/* ---------------------------------------------------------------------
 * encoding (claims -> payload bytes)
 * --------------------------------------------------------------------- */

struct writer {
    unsigned char b[PAYLOAD_MAX + TOK_MAC_LEN];
    size_t n;
    bool full; /* a write did not fit; cannot happen with valid claims */
};

static void
put_bytes(struct writer *w, const void *p, size_t n)
{
    if (w->full || n > sizeof w->b - w->n) {
        w->full = true;
        return;
    }
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void
put_byte(struct writer *w, unsigned char c)
{
    put_bytes(w, &c, 1);
}

/* Unsigned LEB128: 7 bits per byte, low group first, high bit = more follows. */
static void
put_varint(struct writer *w, uint64_t v)
{
    unsigned char tmp[VARINT_MAX];
    size_t n = 0;
    do {
        tmp[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    put_bytes(w, tmp, n);
}

/* Why `c` cannot be issued, or NULL when every field its purpose carries is in bounds. */
static const char *
claims_problem(const struct tok_claims *c)
{
    bool anon_ok = c->purpose == TOK_CLICK || c->purpose == TOK_OPEN;
    if (c->contact < 0 || (c->contact == 0 && !anon_ok))
        return anon_ok ? "contact id is negative" : "contact id must be positive";
    switch (c->purpose) {
    case TOK_CLICK:
        if (c->url_len == 0 || c->url_len > TOK_URL_MAX) return "URL must be 1 to 2048 bytes";
        if (!valid_url(c->url, c->url_len)) return "URL contains a control character";
        return NULL;
    case TOK_OPEN: return NULL;
    case TOK_UNSUBSCRIBE:
        if (!valid_list(c->list, strnlen(c->list, sizeof c->list)))
            return "list must be 1 to 64 of [A-Za-z0-9._:-]";
        return NULL;
    case TOK_CONFIRM:
    case TOK_PREFERENCES:
        if (c->issued < 0) return "issue time is negative";
        if (c->expires <= c->issued) return "expiry must be after the issue time";
        return NULL;
    }
    return "unknown purpose";
}

static void
put_fields(struct writer *w, const struct tok_claims *c)
{
    switch (c->purpose) {
    case TOK_CLICK:
        put_bytes(w, c->message, 16);
        put_varint(w, (uint64_t)c->contact);
        put_varint(w, c->link);
        put_varint(w, c->url_len);
        put_bytes(w, c->url, c->url_len);
        break;
    case TOK_OPEN:
        put_bytes(w, c->message, 16);
        put_varint(w, (uint64_t)c->contact);
        break;
    case TOK_UNSUBSCRIBE:
        put_varint(w, (uint64_t)c->contact);
        put_byte(w, c->has_message ? UNSUB_HAS_MESSAGE : 0);
        if (c->has_message) put_bytes(w, c->message, 16);
        put_byte(w, (unsigned char)strlen(c->list));
        put_bytes(w, c->list, strlen(c->list));
        break;
    case TOK_CONFIRM:
    case TOK_PREFERENCES:
        put_varint(w, (uint64_t)c->contact);
        put_varint(w, (uint64_t)c->issued);
        put_varint(w, (uint64_t)c->expires - (uint64_t)c->issued); /* lifetime: shorter */
        break;
    }
}

int
tok_issue(const struct tok_keyring *ring, const struct tok_claims *c, struct buf *out, char *err,
          size_t errlen)
{
    if (ring->signer < 0) return fail(err, errlen, "the keyring has no signing key");
    const char *why = claims_problem(c);
    if (why)
        return fail(err, errlen, "cannot issue %s token: %s", tok_purpose_name(c->purpose), why);
    const struct ring_key *k = &ring->keys[ring->signer];
    size_t idlen = strlen(k->id);
    struct writer w; /* not zeroed: 2 KB per token, and only w.n bytes are ever read */
    w.n = 0;
    w.full = false;
    put_byte(&w, TOK_VERSION);
    put_byte(&w, (unsigned char)c->purpose);
    put_byte(&w, (unsigned char)idlen);
    put_bytes(&w, k->id, idlen);
    put_fields(&w, c);
    if (w.full || w.n + TOK_MAC_LEN > sizeof w.b)
        return fail(err, errlen, "token payload too long");
    compute_mac(k, w.b, w.n, w.b + w.n);
    w.n += TOK_MAC_LEN;
    if (!b64_encode_buf(out, w.b, w.n, B64_URL)) return fail(err, errlen, "out of memory");
    return 0;
}

/* ---------------------------------------------------------------------
 * decoding (token text -> claims)
 * --------------------------------------------------------------------- */

struct reader {
    const unsigned char *p, *end;
    const char *bad; /* first problem, NULL while all is well */
};

static bool
take(struct reader *r, void *dst, size_t n, const char *what)
{
    if (r->bad) return false;
    if ((size_t)(r->end - r->p) < n) {
        r->bad = what;
        return false;
    }
    memcpy(dst, r->p, n);
    r->p += n;
    return true;
}

static unsigned
take_byte(struct reader *r, const char *what)
{
    unsigned char c = 0;
    take(r, &c, 1, what);
    return c;
}

/*
 * A canonical LEB128 value no larger than `max`: at most 10 bytes, no
 * overflow, and no needless trailing zero group (0x80 0x00 for 0), so each
 * value has one encoding.
 */
static uint64_t
take_varint(struct reader *r, uint64_t max, const char *what)
{
    uint64_t v = 0;
    for (unsigned i = 0; !r->bad; i++) {
        if (r->p == r->end || i == VARINT_MAX) break;
        unsigned char c = *r->p++;
        uint64_t group = c & 0x7f;
        if (i == VARINT_MAX - 1 && group > 1) break; /* bits beyond 64 */
        if (i > 0 && c == 0) break;                  /* overlong */
        v |= group << (7 * i);
        if (!(c & 0x80)) {
            if (v > max) break;
            return v;
        }
    }
    if (!r->bad) r->bad = what;
    return 0;
}

static void
take_header(struct reader *r, struct tok_claims *c)
{
    unsigned version = take_byte(r, "token is too short");
    if (!r->bad && version != TOK_VERSION) r->bad = "unknown token version";
    unsigned purpose = take_byte(r, "token is too short");
    if (!r->bad && (purpose < TOK_CLICK || purpose > TOK_PREFERENCES))
        r->bad = "unknown token purpose";
    c->purpose = (enum tok_purpose)purpose;
    unsigned idlen = take_byte(r, "token is too short");
    if (!r->bad && (idlen == 0 || idlen > TOK_KEYID_MAX)) r->bad = "bad key id length";
    if (take(r, c->key_id, idlen, "token is too short") && !valid_id(c->key_id, idlen))
        r->bad = "bad key id";
}

static void
take_click(struct reader *r, struct tok_claims *c)
{
    take(r, c->message, 16, "truncated message id");
    c->has_message = true;
    c->contact = (int64_t)take_varint(r, INT64_MAX, "bad contact id");
    c->link = (uint32_t)take_varint(r, UINT32_MAX, "bad link index");
    c->url_len = (size_t)take_varint(r, TOK_URL_MAX, "bad URL length");
    if (!r->bad && c->url_len == 0) r->bad = "bad URL length";
    if (take(r, c->url, c->url_len, "truncated URL") && !valid_url(c->url, c->url_len))
        r->bad = "URL contains a control character";
}

static void
take_unsubscribe(struct reader *r, struct tok_claims *c)
{
    c->contact = (int64_t)take_varint(r, INT64_MAX, "bad contact id");
    unsigned flags = take_byte(r, "truncated flags");
    if (!r->bad && (flags & ~(unsigned)UNSUB_HAS_MESSAGE)) r->bad = "unknown flags";
    c->has_message = flags & UNSUB_HAS_MESSAGE;
    if (c->has_message) take(r, c->message, 16, "truncated message id");
    size_t len = take_byte(r, "truncated list");
    if (!r->bad && len > TOK_LIST_MAX) r->bad = "bad list name"; /* before copying it */
    if (take(r, c->list, len, "truncated list") && !valid_list(c->list, len))
        r->bad = "bad list name";
}

static void
take_dated(struct reader *r, struct tok_claims *c)
{
    c->contact = (int64_t)take_varint(r, INT64_MAX, "bad contact id");
    c->issued = (int64_t)take_varint(r, INT64_MAX, "bad issue time");
    uint64_t life = take_varint(r, (uint64_t)INT64_MAX - (uint64_t)c->issued, "bad expiry");
    if (!r->bad && life == 0) r->bad = "bad expiry";
    c->expires = c->issued + (int64_t)life;
}

static void
take_fields(struct reader *r, struct tok_claims *c)
{
    switch (c->purpose) {
    case TOK_CLICK: take_click(r, c); break;
    case TOK_OPEN:
        take(r, c->message, 16, "truncated message id");
        c->has_message = true;
        c->contact = (int64_t)take_varint(r, INT64_MAX, "bad contact id");
        break;
    case TOK_UNSUBSCRIBE: take_unsubscribe(r, c); break;
    case TOK_CONFIRM:
    case TOK_PREFERENCES: take_dated(r, c); break;
    }
    if (!r->bad && c->contact == 0 && c->purpose != TOK_CLICK && c->purpose != TOK_OPEN)
        r->bad = "bad contact id";
    if (!r->bad && r->p != r->end) r->bad = "trailing bytes after the last field";
}

/*
 * Decode `token` into `raw` (payload then MAC) and parse the payload into
 * `c`. `*payload_len` receives the payload length, the MAC follows it.
 */
static int
decode(const char *token, size_t len, unsigned char raw[RAW_MAX], size_t *payload_len,
       struct tok_claims *c, char *err, size_t errlen)
{
    size_t n;
    memset(c, 0, sizeof *c);
    if (len > TOK_TOKEN_MAX)
        return fail(err, errlen, "token is longer than %d characters", TOK_TOKEN_MAX);
    if (!b64_decode(token, len, B64_URL, raw, RAW_MAX, &n))
        return fail(err, errlen, "token is not valid base64url");
    if (n < HEADER_MIN + TOK_MAC_LEN) return fail(err, errlen, "token is too short");
    *payload_len = n - TOK_MAC_LEN;
    struct reader r = {raw, raw + *payload_len, NULL};
    take_header(&r, c);
    if (!r.bad) take_fields(&r, c);
    if (r.bad) {
        const char *what = r.bad;
        memset(c, 0, sizeof *c);
        return fail(err, errlen, "%s", what);
    }
    return 0;
}

int
tok_inspect(const char *token, size_t len, struct tok_claims *out, char *err, size_t errlen)
{
    unsigned char raw[RAW_MAX];
    size_t n;
    return decode(token, len, raw, &n, out, err, errlen);
}

/* The MAC check proper, once the token parsed. */
static int
check(const struct tok_keyring *ring, const unsigned char *raw, size_t n,
      const struct tok_claims *c, enum tok_purpose expect, int64_t now, char *err, size_t errlen)
{
    const struct ring_key *k = find_key(ring, c->key_id);
    if (!k) return fail(err, errlen, "unknown key id \"%s\"", c->key_id);
    unsigned char mac[TOK_MAC_LEN];
    compute_mac(k, raw, n, mac);
    if (CRYPTO_memcmp(mac, raw + n, TOK_MAC_LEN) != 0)
        return fail(err, errlen, "signature does not match");
    if (c->purpose != expect)
        return fail(err, errlen, "%s token where %s was expected", tok_purpose_name(c->purpose),
                    tok_purpose_name(expect));
    if ((c->purpose == TOK_CONFIRM || c->purpose == TOK_PREFERENCES) && now >= c->expires)
        return fail(err, errlen, "token expired at %lld", (long long)c->expires);
    return 0;
}

int
tok_verify(const struct tok_keyring *ring, const char *token, size_t len, enum tok_purpose expect,
           int64_t now, struct tok_claims *out, char *err, size_t errlen)
{
    unsigned char raw[RAW_MAX];
    size_t n;
    if (decode(token, len, raw, &n, out, err, errlen)) return -1;
    if (check(ring, raw, n, out, expect, now, err, errlen)) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------------
 * small helpers
 * --------------------------------------------------------------------- */

bool
tok_claims_set_url(struct tok_claims *c, const char *url, size_t len)
{
    if (len > TOK_URL_MAX) return false;
    memcpy(c->url, url, len);
    c->url[len] = '\0';
    c->url_len = len;
    return true;
}

bool
tok_claims_set_list(struct tok_claims *c, const char *list)
{
    size_t len = strlen(list);
    if (len > TOK_LIST_MAX) return false;
    memcpy(c->list, list, len + 1);
    return true;
}

const char *
tok_purpose_name(enum tok_purpose p)
{
    if (p < TOK_CLICK || p > TOK_PREFERENCES) return "unknown";
    return purpose_names[p];
}

const char *
tok_purpose_path(enum tok_purpose p)
{
    static const char *const paths[] = {NULL, "/c/", "/o/", "/u/", "/confirm/", "/p/"};
    if (p < TOK_CLICK || p > TOK_PREFERENCES) return NULL;
    return paths[p];
}

int
tok_url(const struct tok_keyring *ring, const char *base_url, const struct tok_claims *claims,
        struct buf *out, char *err, size_t errlen)
{
    const char *path = tok_purpose_path(claims->purpose);
    if (!path) return fail(err, errlen, "cannot issue a token of purpose %d", (int)claims->purpose);
    size_t mark = out->len;
    if (!buf_puts(out, base_url) || !buf_puts(out, path)) {
        buf_truncate(out, mark);
        return fail(err, errlen, "out of memory");
    }
    if (tok_issue(ring, claims, out, err, errlen) == 0) return 0;
    buf_truncate(out, mark);
    return -1;
}

enum tok_purpose
tok_purpose_from_name(const char *name)
{
    for (int p = TOK_CLICK; p <= TOK_PREFERENCES; p++)
        if (strcmp(name, purpose_names[p]) == 0) return (enum tok_purpose)p;
    return 0;
}

static int
hex(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool
tok_uuid_parse(const char *s, size_t len, unsigned char out[16])
{
    if (len != TOK_UUID_STRLEN) return false;
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return false;
            continue;
        }
        int hi = hex((unsigned char)s[i]), lo = hex((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[j++] = (unsigned char)(hi << 4 | lo);
        i++;
    }
    return true;
}

void
tok_uuid_format(const unsigned char uuid[16], char out[TOK_UUID_STRLEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
        *p++ = digits[uuid[i] >> 4];
        *p++ = digits[uuid[i] & 15];
    }
    *p = '\0';
}
