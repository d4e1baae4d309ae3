/*
 * contact_cache.h - recipients' contacts, cached in front of PostgreSQL
 *
 * Owns: a bounded, thread-safe cache of contact lookups keyed by tenant
 * and address (case-insensitive): found contacts (the view object of
 * lib/contact_view) and "no such contact" answers alike, each for the
 * milter.contact_ttl (default 60 s), at most milter.contact_cache entries
 * (the oldest go first). Failed lookups are not cached: the next message
 * asks again (the db pool's back-off keeps a dead server from being
 * hammered). The loader is a callback, so tests need no database;
 * ccache_db_load is the real one. A found contact is one object shared by
 * the cache and every message that got it (jansson's reference counts are
 * atomic): callers only read it, never change it.
 *
 * Depends on: lib/db, lib/contact_view, jansson, pthreads.
 */
#ifndef TERN_MILTER_CONTACT_CACHE_H
#define TERN_MILTER_CONTACT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* 1 found (*out a new reference), 0 no such contact, -1 failed (err filled). */
typedef int (*ccache_load_fn)(void *ctx, const char *tenant, const char *email, json_t **out,
                              char *err, size_t errlen);

struct ccache_stats {
    uint64_t hits, misses, negative_hits, failures;
    size_t entries;
};

struct ccache;

/* NULL on out of memory. max_entries 0 disables caching (every call loads). */
struct ccache *ccache_new(size_t max_entries, int64_t ttl_ms, ccache_load_fn load, void *ctx);
void ccache_free(struct ccache *c);

/* Same contract as ccache_load_fn, served from the cache when fresh; *out is read-only. */
int ccache_get(void *cache, const char *tenant, const char *email, json_t **out, char *err,
               size_t errlen);

void ccache_stats(struct ccache *c, struct ccache_stats *st);

/* A loader over a db pool (ctx is a struct db_pool *): leases for at most 200 ms. */
int ccache_db_load(void *pool, const char *tenant, const char *email, json_t **out, char *err,
                   size_t errlen);

#endif
