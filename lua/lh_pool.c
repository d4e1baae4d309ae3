/*
 * lh_pool.c - pre-warmed states in reloadable generations, leased per use
 *
 * A generation is one scripts tree read and loaded into `nstates` states.
 * Reload builds the next generation completely (every file run in every
 * state) before swapping it in under the pool mutex; on any error the
 * serving generation stays. A generation is reference-counted: the pool
 * holds one reference while it serves, each lease one more. Idle states of
 * a replaced generation close at the swap, leased ones at release, and the
 * generation itself with its last reference. Leases are never thread-local:
 * a state may be leased on one thread and released on another.
 */
#include "lh_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lh_json.h"
#include "lh_reg.h"
#include "log.h"

#define MAX_STATES 256

void
lh_limits_default(struct lh_limits *lim)
{
    *lim = (struct lh_limits){
        .mem_bytes = 64u << 20,
        .call_ms = 100,
        .load_ms = 1000,
        .pattern_subject = 64u << 10,
        .pattern_len = 256,
        .rep_bytes = 16u << 20,
        .table_span = 1u << 18,
        .sort_len = 1u << 16,
        .script_bytes = 1u << 20,
        .lease_wait_ms = 1000,
    };
}

static int
check_limits(const struct lh_limits *lim, char *err, size_t errlen)
{
    const char *bad = NULL;
    if (lim->mem_bytes < (1u << 20)) bad = "mem_bytes below 1 MiB";
    if (!lim->call_ms || !lim->load_ms) bad = "a time budget of 0 ms";
    if (!lim->rep_bytes || !lim->table_span || !lim->sort_len || !lim->script_bytes)
        bad = "a size limit of 0";
    if (bad) snprintf(err, errlen, "lua: bad limits: %s", bad);
    return bad ? -1 : 0;
}

struct lh_pool *
lh_pool_new(const struct lh_limits *lim, unsigned nstates, char *err, size_t errlen)
{
    struct lh_limits def;
    if (!lim) {
        lh_limits_default(&def);
        lim = &def;
    }
    if (check_limits(lim, err, errlen) < 0) return NULL;
    lh_json_install(); /* before the daemon's threads: jansson's allocator is process-wide */
    if (nstates < 1 || nstates > MAX_STATES) {
        snprintf(err, errlen, "lua: pool size %u is not in 1..%d", nstates, MAX_STATES);
        return NULL;
    }
    struct lh_pool *pool = calloc(1, sizeof *pool);
    if (!pool) {
        lh_error_copy(err, errlen, "lua: out of memory");
        return NULL;
    }
    pool->lim = *lim;
    pool->nstates = nstates;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&pool->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0 || pthread_mutex_init(&pool->mu, NULL) != 0 ||
        pthread_mutex_init(&pool->reload_mu, NULL) != 0) {
        snprintf(err, errlen, "lua: cannot create the pool's locks");
        free(pool); /* the Linux primitives hold no resources to leak */
        return NULL;
    }
    if (lh_watch_start(pool, err, errlen) < 0) {
        free(pool);
        return NULL;
    }
    return pool;
}

/*
 * ---------------------------------------------------------------
 * generations
 * ---------------------------------------------------------------
 */

static void
gen_free(struct lh_gen *gen)
{
    free((char *)gen->svc.templates_dir);
    lh_tree_free(gen->src, gen->nsrc);
    free(gen->root);
    free(gen);
}

/* Close a list of idle states (outside the pool lock). */
static void
close_list(struct lh_state *st)
{
    while (st) {
        struct lh_state *next = st->next_idle;
        lh_state_close(st);
        st = next;
    }
}

/* Build one state of `gen` and run every script in it. */
static struct lh_state *
build_state(struct lh_pool *pool, struct lh_gen *gen, char *err, size_t errlen)
{
    struct lh_state *st = lh_state_new(pool, gen, err, errlen);
    if (!st) return NULL;
    for (size_t i = 0; i < gen->nsrc; i++) {
        if (lh_state_run_file(st, gen->src[i].path, err, errlen) < 0) {
            lh_state_close(st);
            return NULL;
        }
    }
    if (lh_reg_validate(st, err, errlen) < 0) { /* what only the whole tree can tell */
        lh_state_close(st);
        return NULL;
    }
    return st;
}

/* Copy services, owning a copy of the templates directory. */
static int
svc_copy(struct lh_services *dst, const struct lh_services *src)
{
    *dst = *src;
    dst->templates_dir = NULL;
    if (src->templates_dir && !(dst->templates_dir = strdup(src->templates_dir))) return -1;
    return 0;
}

int
lh_pool_set_services(struct lh_pool *pool, const struct lh_services *svc)
{
    struct lh_services next = {0};
    if (svc && svc_copy(&next, svc) < 0) return -1;
    pthread_mutex_lock(&pool->mu);
    struct lh_services old = pool->svc;
    pool->svc = next;
    pthread_mutex_unlock(&pool->mu);
    free((char *)old.templates_dir);
    return 0;
}

/* Read the tree and build every state of a new generation; NULL on any error. */
static struct lh_gen *
gen_build(struct lh_pool *pool, const char *root, unsigned long id, char *err, size_t errlen)
{
    struct lh_gen *gen = calloc(1, sizeof *gen);
    if (!gen) {
        lh_error_copy(err, errlen, "lua: out of memory");
        return NULL;
    }
    gen->id = id;
    pthread_mutex_lock(&pool->mu);
    int copied = svc_copy(&gen->svc, &pool->svc);
    pthread_mutex_unlock(&pool->mu);
    if (copied < 0) {
        free(gen);
        lh_error_copy(err, errlen, "lua: out of memory");
        return NULL;
    }
    if (lh_tree_read(root, pool->lim.script_bytes, &gen->root, &gen->src, &gen->nsrc, err, errlen) <
        0) {
        free((char *)gen->svc.templates_dir);
        free(gen);
        return NULL;
    }
    for (unsigned i = 0; i < pool->nstates; i++) {
        struct lh_state *st = build_state(pool, gen, err, errlen);
        if (!st) {
            close_list(gen->idle);
            gen_free(gen);
            return NULL;
        }
        st->next_idle = gen->idle;
        gen->idle = st;
        gen->nstates++;
    }
    return gen;
}

/* Swap `gen` in; returns the idle states of the old generation to close. */
static struct lh_state *
gen_swap(struct lh_pool *pool, struct lh_gen *gen, struct lh_gen **dead)
{
    struct lh_gen *old = pool->serving;
    struct lh_state *idle = NULL;
    *dead = NULL;
    gen->refs = 1;
    pool->serving = gen;
    pool->last_id = gen->id;
    pool->live_gens++;
    pool->live_states += gen->nstates;
    if (old) {
        idle = old->idle;
        old->idle = NULL;
        for (struct lh_state *st = idle; st; st = st->next_idle)
            old->nstates--, pool->live_states--;
        if (--old->refs == 0) {
            *dead = old;
            pool->live_gens--;
        }
    }
    pthread_cond_broadcast(&pool->cv); /* waiting leases: the new states are free */
    return idle;
}

int
lh_pool_reload(struct lh_pool *pool, const char *scripts_root, char *err, size_t errlen)
{
    pthread_mutex_lock(&pool->reload_mu);
    pthread_mutex_lock(&pool->mu);
    unsigned long id = pool->last_id + 1;
    pthread_mutex_unlock(&pool->mu);
    struct lh_gen *gen = gen_build(pool, scripts_root, id, err, errlen);
    if (!gen) {
        pthread_mutex_unlock(&pool->reload_mu);
        return -1;
    }
    struct lh_gen *dead;
    pthread_mutex_lock(&pool->mu);
    struct lh_state *idle = gen_swap(pool, gen, &dead);
    pthread_mutex_unlock(&pool->mu);
    close_list(idle);
    if (dead) gen_free(dead);
    log_msg(LOG_LVL_INFO, "lua", "-",
            "scripts generation %lu serving: %zu files from %s, %u states", gen->id, gen->nsrc,
            gen->root, pool->nstates);
    pthread_mutex_unlock(&pool->reload_mu);
    return 0;
}

/*
 * ---------------------------------------------------------------
 * leases
 * ---------------------------------------------------------------
 */

static struct timespec
deadline_in(unsigned ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    return ts;
}

struct lh_state *
lh_lease(struct lh_pool *pool, char *err, size_t errlen)
{
    struct timespec until = deadline_in(pool->lim.lease_wait_ms);
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        struct lh_gen *gen = pool->serving;
        if (!gen) {
            pthread_mutex_unlock(&pool->mu);
            lh_error_copy(err, errlen, "lua: no scripts loaded");
            return NULL;
        }
        if (gen->idle) {
            struct lh_state *st = gen->idle;
            gen->idle = st->next_idle;
            st->next_idle = NULL;
            gen->refs++;
            pthread_mutex_unlock(&pool->mu);
            return st;
        }
        if (pthread_cond_timedwait(&pool->cv, &pool->mu, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&pool->mu);
            snprintf(err, errlen, "lua: no state free after %u ms (all %u leased)",
                     pool->lim.lease_wait_ms, pool->nstates);
            return NULL;
        }
    }
}

void
lh_release(struct lh_state *st)
{
    if (!st) return;
    struct lh_pool *pool = st->pool;
    lua_settop(st->L, 0);
    st->tag[0] = '\0';
    pthread_mutex_lock(&pool->mu);
    struct lh_gen *gen = st->gen;
    gen->refs--;
    if (gen == pool->serving) {
        st->next_idle = gen->idle;
        gen->idle = st;
        pthread_cond_signal(&pool->cv);
        pthread_mutex_unlock(&pool->mu);
        return;
    }
    gen->nstates--; /* replaced while leased: this state is done */
    pool->live_states--;
    bool last = gen->refs == 0;
    if (last) pool->live_gens--;
    pthread_mutex_unlock(&pool->mu);
    lh_state_close(st);
    if (last) gen_free(gen);
}

void
lh_pool_stats(struct lh_pool *pool, struct lh_pool_stats *s)
{
    pthread_mutex_lock(&pool->mu);
    s->generation = pool->serving ? pool->serving->id : 0;
    s->live_states = pool->live_states;
    s->live_generations = pool->live_gens;
    s->idle_states = 0;
    if (pool->serving)
        for (struct lh_state *st = pool->serving->idle; st; st = st->next_idle)
            s->idle_states++;
    pthread_mutex_unlock(&pool->mu);
}

void
lh_pool_free(struct lh_pool *pool)
{
    if (!pool) return;
    lh_watch_stop(pool);
    struct lh_gen *gen = pool->serving;
    if (gen) {
        close_list(gen->idle);
        if (--gen->refs == 0) gen_free(gen); /* else leases are still out: they keep it */
    }
    free((char *)pool->svc.templates_dir);
    pthread_mutex_destroy(&pool->mu);
    pthread_mutex_destroy(&pool->reload_mu);
    pthread_cond_destroy(&pool->cv);
    free(pool);
}
