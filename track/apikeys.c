/*
 * apikeys.c - the in-memory key set and its buckets (see apikeys.h)
 *
 * A reload builds a new array and keeps the bucket level of keys that
 * stay, so reloading never resets a client's rate limit. The saved copy is
 * one line per key, "id<TAB>tenant<TAB>hex of the hash", written to a
 * temporary file, synced and renamed over the old one.
 */
#include "apikeys.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "db.h"

struct entry {
    struct apikey key;
    char tenant[64];
    double tokens;     /* the bucket */
    int64_t refill_us; /* when it was last refilled */
};

struct apikeys {
    pthread_mutex_t lock;
    struct entry *e;
    size_t n;
    struct buf saved; /* the text last written by apikeys_save */
};

struct apikeys *
apikeys_new(void)
{
    struct apikeys *k = calloc(1, sizeof *k);
    if (k) pthread_mutex_init(&k->lock, NULL);
    return k;
}

void
apikeys_free(struct apikeys *k)
{
    if (!k) return;
    pthread_mutex_destroy(&k->lock);
    buf_free(&k->saved);
    free(k->e);
    free(k);
}

static void install(struct apikeys *k, struct entry *fresh, size_t n);

static struct entry *
find(struct entry *e, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].key.id, id) == 0) return &e[i];
    return NULL;
}

/* Row `i` of the key query into `e`; false when the row is malformed. */
static bool
entry_of(PGresult *res, int i, struct entry *e)
{
    const char *id = PQgetvalue(res, i, 0), *tenant = PQgetvalue(res, i, 1);
    if (strlen(id) != APIKEY_ID_LEN || PQgetlength(res, i, 2) != APIKEY_HASH_LEN) return false;
    memset(e, 0, sizeof *e);
    memcpy(e->key.id, id, APIKEY_ID_LEN + 1);
    snprintf(e->tenant, sizeof e->tenant, "%s", tenant);
    memcpy(e->key.hash, PQgetvalue(res, i, 2), APIKEY_HASH_LEN);
    e->tokens = -1; /* a new key starts with a full bucket */
    return true;
}

int
apikeys_reload(struct apikeys *k, PGconn *conn, char *err, size_t errlen)
{
    PGresult *res = PQexecParams(conn,
                                 "SELECT id, tenant, secret_hash FROM tern.api_keys"
                                 " WHERE revoked_at IS NULL",
                                 0, NULL, NULL, NULL, NULL, 1 /* binary: the hash as bytes */);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        db_error(conn, res, err, errlen);
        PQclear(res);
        return -1;
    }
    int rows = PQntuples(res);
    struct entry *fresh = calloc((size_t)rows + 1, sizeof *fresh);
    size_t n = 0;
    for (int i = 0; fresh && i < rows; i++)
        if (entry_of(res, i, &fresh[n])) n++;
    PQclear(res);
    if (!fresh) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    install(k, fresh, n);
    return 0;
}

/* ---------------------------------------------------------------------
 * the copy on disk
 * --------------------------------------------------------------------- */

static bool
key_line(struct buf *out, const struct entry *e)
{
    bool ok = buf_printf(out, "%s\t%s\t", e->key.id, e->tenant);
    for (size_t i = 0; ok && i < APIKEY_HASH_LEN; i++)
        ok = buf_printf(out, "%02x", e->key.hash[i]);
    return ok && buf_putc(out, '\n');
}

/* Write `text` to `path` durably: a temporary file, synced, renamed. */
static int
write_file(const char *path, const struct buf *text, char *err, size_t errlen)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write(fd, text->data, text->len) == (ssize_t)text->len && fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0) ok = false;
    if (ok && rename(tmp, path) == 0) return 0;
    snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
    unlink(tmp);
    return -1;
}

int
apikeys_save(struct apikeys *k, const char *path, char *err, size_t errlen)
{
    struct buf text = BUF_INIT;
    bool ok = buf_puts(&text, "# tern track: the active events API keys (id, tenant, SHA-256)\n");
    pthread_mutex_lock(&k->lock);
    for (size_t i = 0; ok && i < k->n; i++)
        ok = key_line(&text, &k->e[i]);
    bool same = ok && text.len == k->saved.len && memcmp(text.data, k->saved.data, text.len) == 0;
    pthread_mutex_unlock(&k->lock);
    int rc = !ok    ? (snprintf(err, errlen, "out of memory"), -1)
             : same ? 0
                    : write_file(path, &text, err, errlen);
    if (rc == 0 && !same) {
        buf_free(&k->saved);
        k->saved = text;
    } else {
        buf_free(&text);
    }
    return rc;
}

/* One saved line into `e`; false when it is not one. */
static bool
parse_line(const char *line, struct entry *e)
{
    char id[16], tenant[64], hex[2 * APIKEY_HASH_LEN + 2];
    if (sscanf(line, "%15[^\t]\t%63[^\t]\t%65s", id, tenant, hex) != 3 ||
        strlen(id) != APIKEY_ID_LEN || strlen(hex) != 2 * APIKEY_HASH_LEN)
        return false;
    memset(e, 0, sizeof *e);
    memcpy(e->key.id, id, APIKEY_ID_LEN + 1);
    snprintf(e->tenant, sizeof e->tenant, "%s", tenant);
    for (size_t i = 0; i < APIKEY_HASH_LEN; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) return false;
        e->key.hash[i] = (unsigned char)v;
    }
    e->tokens = -1;
    return true;
}

int
apikeys_load(struct apikeys *k, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct entry *fresh = NULL;
    size_t n = 0, cap = 0;
    char line[256];
    int rc = 0, lineno = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#') continue;
        if (n == cap) {
            struct entry *grown = realloc(fresh, (cap = cap ? 2 * cap : 16) * sizeof *grown);
            if (!grown)
                rc = -1, snprintf(err, errlen, "out of memory");
            else
                fresh = grown;
        }
        if (rc == 0 && !parse_line(line, &fresh[n++]))
            rc = -1, snprintf(err, errlen, "%s:%d: not a saved key", path, lineno);
    }
    fclose(f);
    if (rc < 0) {
        free(fresh);
        return -1;
    }
    install(k, fresh, n);
    return (int)n;
}

/* Make `fresh` (n entries, taken over) the key set, keeping the buckets of keys that stay. */
static void
install(struct apikeys *k, struct entry *fresh, size_t n)
{
    pthread_mutex_lock(&k->lock);
    for (size_t i = 0; i < n; i++) { /* keep the buckets of keys that stay */
        struct entry *old = find(k->e, k->n, fresh[i].key.id);
        if (old) fresh[i].tokens = old->tokens, fresh[i].refill_us = old->refill_us;
    }
    free(k->e);
    k->e = fresh;
    k->n = n;
    pthread_mutex_unlock(&k->lock);
}

/* Take one token from the bucket; false when it is empty. */
static bool
take_token(struct entry *e, int rate, int64_t now_us)
{
    double cap = 2.0 * rate;
    if (e->tokens < 0)
        e->tokens = cap;
    else if (now_us > e->refill_us)
        e->tokens += (double)(now_us - e->refill_us) * rate / 1e6;
    if (e->tokens > cap) e->tokens = cap;
    e->refill_us = now_us;
    if (e->tokens < 1.0) return false;
    e->tokens -= 1.0;
    return true;
}

enum apikeys_verdict
apikeys_check(struct apikeys *k, const char *authorization, int rate, int64_t now_us,
              char id[APIKEY_ID_LEN + 1], char tenant[64])
{
    struct apikey presented;
    const char *a = authorization;
    if (!a || strncasecmp(a, "Bearer ", 7) != 0) return APIKEY_UNKNOWN;
    for (a += 7; *a == ' ';)
        a++;
    if (!apikey_parse(a, strlen(a), &presented)) return APIKEY_UNKNOWN;
    enum apikeys_verdict v = APIKEY_UNKNOWN;
    pthread_mutex_lock(&k->lock);
    struct entry *e = find(k->e, k->n, presented.id);
    if (e && CRYPTO_memcmp(e->key.hash, presented.hash, APIKEY_HASH_LEN) == 0) {
        v = take_token(e, rate, now_us) ? APIKEY_OK : APIKEY_LIMITED;
        memcpy(id, e->key.id, APIKEY_ID_LEN + 1);
        memcpy(tenant, e->tenant, 64);
    }
    pthread_mutex_unlock(&k->lock);
    return v;
}
