/*
 * contact_cache.c - a chained hash table with FIFO eviction and expiry
 *
 * Entries are found through the table and evicted in insertion order
 * through a doubly linked list; both are guarded by one mutex. Loading
 * happens outside the lock, so a slow database never blocks hits.
 */
#include "contact_cache.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "contact_view.h"
#include "db.h"

struct entry {
    struct entry *next;          /* hash chain */
    struct entry *older, *newer; /* FIFO list */
    char *key;
    json_t *contact; /* NULL: no such contact */
    int64_t expires_ms;
};

struct ccache {
    pthread_mutex_t lock;
    struct entry **table;
    size_t nbuckets, n, max;
    struct entry *oldest, *newest;
    int64_t ttl_ms;
    ccache_load_fn load;
    void *ctx;
    struct ccache_stats st;
};

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t
hash(const char *s)
{
    size_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* "tenant\x01lower-case address" */
static char *
make_key(const char *tenant, const char *email)
{
    size_t tl = strlen(tenant), el = strlen(email);
    char *k = malloc(tl + el + 2);
    if (!k) return NULL;
    memcpy(k, tenant, tl);
    k[tl] = '\x01';
    for (size_t i = 0; i < el; i++)
        k[tl + 1 + i] = (char)tolower((unsigned char)email[i]);
    k[tl + el + 1] = '\0';
    return k;
}

struct ccache *
ccache_new(size_t max_entries, int64_t ttl_ms, ccache_load_fn load, void *ctx)
{
    struct ccache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->max = max_entries;
    c->nbuckets = max_entries < 16 ? 16 : max_entries;
    c->table = calloc(c->nbuckets, sizeof *c->table);
    if (!c->table) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->ttl_ms = ttl_ms;
    c->load = load;
    c->ctx = ctx;
    return c;
}

static void
unlink_entry(struct ccache *c, struct entry *e)
{
    struct entry **pp = &c->table[hash(e->key) % c->nbuckets];
    while (*pp != e)
        pp = &(*pp)->next;
    *pp = e->next;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    c->n--;
    json_decref(e->contact);
    free(e->key);
    free(e);
}

void
ccache_free(struct ccache *c)
{
    if (!c) return;
    while (c->oldest)
        unlink_entry(c, c->oldest);
    pthread_mutex_destroy(&c->lock);
    free(c->table);
    free(c);
}

static struct entry *
find(struct ccache *c, const char *key)
{
    for (struct entry *e = c->table[hash(key) % c->nbuckets]; e; e = e->next)
        if (strcmp(e->key, key) == 0) return e;
    return NULL;
}

/* Insert (or refresh) `key`; takes `key` and a reference to `contact`. Under the lock. */
static void
insert(struct ccache *c, char *key, json_t *contact)
{
    struct entry *old = find(c, key);
    if (old) unlink_entry(c, old);
    while (c->n >= c->max && c->oldest)
        unlink_entry(c, c->oldest);
    struct entry *e = calloc(1, sizeof *e);
    if (!e) { /* not cached: only costs a lookup later */
        free(key);
        json_decref(contact);
        return;
    }
    e->key = key;
    e->contact = contact;
    e->expires_ms = now_ms() + c->ttl_ms;
    size_t b = hash(key) % c->nbuckets;
    e->next = c->table[b];
    c->table[b] = e;
    e->older = c->newest;
    if (c->newest)
        c->newest->newer = e;
    else
        c->oldest = e;
    c->newest = e;
    c->n++;
}

/* A fresh cached answer: 1 or 0 with *out set; -1 when not cached. Under the lock. */
static int
lookup(struct ccache *c, const char *key, json_t **out)
{
    struct entry *e = find(c, key);
    if (!e) return -1;
    if (e->expires_ms <= now_ms()) {
        unlink_entry(c, e);
        return -1;
    }
    if (!e->contact) {
        c->st.negative_hits++;
        return 0;
    }
    c->st.hits++;
    *out = json_incref(e->contact); /* shared, read-only (contact_cache.h) */
    return 1;
}

int
ccache_get(void *cache, const char *tenant, const char *email, json_t **out, char *err,
           size_t errlen)
{
    struct ccache *c = cache;
    *out = NULL;
    char *key = make_key(tenant, email);
    if (!key) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_lock(&c->lock);
    int rc = c->max ? lookup(c, key, out) : -1;
    if (rc < 0) c->st.misses++;
    pthread_mutex_unlock(&c->lock);
    if (rc >= 0) {
        free(key);
        return rc;
    }
    rc = c->load(c->ctx, tenant, email, out, err, errlen);
    pthread_mutex_lock(&c->lock);
    if (rc < 0) c->st.failures++;
    if (rc >= 0 && c->max) {
        insert(c, key, rc ? json_incref(*out) : NULL);
        key = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    free(key);
    return rc;
}

void
ccache_stats(struct ccache *c, struct ccache_stats *st)
{
    pthread_mutex_lock(&c->lock);
    *st = c->st;
    st->entries = c->n;
    pthread_mutex_unlock(&c->lock);
}

int
ccache_db_load(void *pool, const char *tenant, const char *email, json_t **out, char *err,
               size_t errlen)
{
    PGconn *conn = db_lease(pool, 200, err, errlen);
    if (!conn) return -1;
    int rc = contact_view_by_email(conn, tenant, email, out, err, errlen);
    db_release(pool, conn);
    return rc;
}
