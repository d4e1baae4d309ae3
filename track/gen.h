/*
 * gen.h - one generation of the tracker's configuration
 *
 * Owns: what the endpoints read while answering, built from one loaded
 * tern.conf: the token keyring, the bot rules, the trusted proxies, the pages. A
 * reload (SIGHUP) builds a new generation and publishes it; requests in
 * flight keep the one they started with (reference counted), so a reload
 * never disturbs an answer half given. Process-wide services that outlive
 * generations (the click burst table, metrics, the spool) hang off
 * `shared`.
 *
 * Depends on: lib/config, lib/token, lib/cidr, track/bot, track/pages.
 *
 * DIAGNOSTICS
 *     tr_gen_new() fails with a one-line reason naming the key:
 *     "[keys] hmac: ...", "[track] scanner_networks: ...".
 */
#ifndef TERN_TRACK_GEN_H
#define TERN_TRACK_GEN_H

#include <stdatomic.h>
#include <stddef.h>

#include "bot.h"
#include "cidr.h"
#include "config.h"
#include "pages.h"
#include "token.h"

struct burst;
struct tr_metrics;
struct spool;
struct spool_drain;
struct db_pool;
struct tr_worker;
struct apikeys;
struct memo;

/* What lives as long as the process, whatever the generation. */
struct tr_shared {
    struct burst *burst;
    struct tr_metrics *metrics;
    struct spool *spool;               /* NULL: not open */
    struct spool_drain *_Atomic drain; /* NULL: PostgreSQL not reached yet */
    struct db_pool *_Atomic db;        /* NULL: PostgreSQL not reached yet */
    struct tr_worker *worker;          /* runs the events API's database work */
    struct tr_worker *page_worker;     /* the pages': a flood of them never fills the API's queue */
    struct apikeys *keys;              /* active events API keys */
    struct memo *idem;                 /* idempotency keys accepted recently (memo.h) */
    struct memo *tenants;              /* contact id -> tenant, for its pages */
};

struct tr_gen {
    atomic_int refs;
    struct config *cfg;
    struct tok_keyring *ring;
    struct bot_rules *bot;
    struct cidr_set *proxies;
    struct tr_pages *pages;
    struct tr_shared *shared;
    const char *base_path; /* of track.base_url, in cfg: "" or "/t" */
};

/* A generation of `cfg` (which it references) with refcount 1. NULL with a reason. */
struct tr_gen *tr_gen_new(struct config *cfg, struct tr_shared *shared, char *err, size_t errlen);

struct tr_gen *tr_gen_ref(struct tr_gen *g);
void tr_gen_unref(struct tr_gen *g);

#endif
