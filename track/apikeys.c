/*
 * apikeys.c - the in-memory key set and its buckets (see apikeys.h)
 *
 * A reload builds a new array and keeps the bucket level of keys that
 * stay, so reloading never resets a client's rate limit.
 */
#include "apikeys.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

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
    free(k->e);
    free(k);
}

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
    pthread_mutex_lock(&k->lock);
    for (size_t i = 0; i < n; i++) { /* keep the buckets of keys that stay */
        struct entry *old = find(k->e, k->n, fresh[i].key.id);
        if (old) fresh[i].tokens = old->tokens, fresh[i].refill_us = old->refill_us;
    }
    free(k->e);
    k->e = fresh;
    k->n = n;
    pthread_mutex_unlock(&k->lock);
    return 0;
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
