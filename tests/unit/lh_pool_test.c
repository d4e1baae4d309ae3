/*
 * lh_pool_test.c - leases, reload generations, concurrent use
 *
 * Uses the trees under tests/lua/reload (v1, v2 and two broken ones) and
 * tests/lua/pool.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/lh.h"
#include "tap.h"

static char err[4096];

static const char *
fixture(const char *name)
{
    static char path[4][PATH_MAX];
    static int slot;
    const char *d = getenv("TERN_SRCDIR");
    char *p = path[slot++ % 4];
    snprintf(p, PATH_MAX, "%s/tests/lua/%s", d && *d ? d : ".", name);
    return p;
}

/* version() of a leased state, or "ERROR: ..." */
static const char *
version_of(struct lh_state *st)
{
    static char res[8192];
    struct buf out = BUF_INIT;
    if (lh_call(st, "main.lua:version", &out, err, sizeof err, "") < 0)
        snprintf(res, sizeof res, "ERROR: %s", err);
    else
        snprintf(res, sizeof res, "%s", buf_str(&out));
    buf_free(&out);
    return res;
}

/* Lease, ask the version, release. */
static const char *
serving_version(struct lh_pool *p)
{
    struct lh_state *st = lh_lease(p, err, sizeof err);
    if (!st) return "ERROR: no lease";
    const char *v = version_of(st);
    lh_release(st);
    return v;
}

static void
lease_fails_before_first_load(void)
{
    struct lh_pool *p = lh_pool_new(NULL, 1, err, sizeof err);
    ok(lh_lease(p, err, sizeof err) == NULL, "no lease from an empty pool");
    like(err, "no scripts loaded", "and the reason");
    lh_pool_free(p);
}

static void
reload_with_broken_script_keeps_old_generation(void)
{
    struct lh_pool *p = lh_pool_new(NULL, 2, err, sizeof err);
    ok(lh_pool_reload(p, fixture("reload/v1"), err, sizeof err) == 0, "v1 loads");
    ok(lh_pool_reload(p, fixture("reload/syntax"), err, sizeof err) < 0,
       "a tree with a syntax error is refused");
    like(err, "broken.lua:5:", "the error has file:line");
    is_str(serving_version(p), "v1", "v1 keeps serving after the syntax error");
    ok(lh_pool_reload(p, fixture("reload/runtime"), err, sizeof err) < 0,
       "a tree failing at load time is refused");
    like(err, "main.lua:6: attempt to index a nil value", "the error has file:line");
    is_str(serving_version(p), "v1", "v1 keeps serving after the runtime error");
    ok(lh_pool_reload(p, fixture("reload/nosuchdir"), err, sizeof err) < 0,
       "a missing root is refused");
    is_str(serving_version(p), "v1", "v1 keeps serving after a missing root");
    struct lh_pool_stats s;
    lh_pool_stats(p, &s);
    is_int(s.generation, 1, "failed reloads do not count as generations");
    lh_pool_free(p);
}

static void
reload_swaps_generation(void)
{
    struct lh_pool *p = lh_pool_new(NULL, 2, err, sizeof err);
    lh_pool_reload(p, fixture("reload/v1"), err, sizeof err);
    ok(lh_pool_reload(p, fixture("reload/v2"), err, sizeof err) == 0, "v2 loads");
    is_str(serving_version(p), "v2", "new leases get v2");
    struct lh_pool_stats s;
    lh_pool_stats(p, &s);
    is_int(s.generation, 2, "generation 2 serves");
    is_int(s.live_states, 2, "v1's idle states were closed at the swap");
    lh_pool_free(p);
}

static void
leased_state_of_old_generation_keeps_working(void)
{
    struct lh_pool *p = lh_pool_new(NULL, 2, err, sizeof err);
    lh_pool_reload(p, fixture("reload/v1"), err, sizeof err);
    struct lh_state *old = lh_lease(p, err, sizeof err);
    ok(lh_pool_reload(p, fixture("reload/v2"), err, sizeof err) == 0, "reload while leased");
    is_str(version_of(old), "v1", "the old lease still runs v1");
    is_int(lh_generation(old), 1, "and stays in generation 1");
    is_str(serving_version(p), "v2", "meanwhile new leases get v2");
    struct lh_pool_stats s;
    lh_pool_stats(p, &s);
    is_int(s.live_generations, 2, "both generations are alive while the old lease lasts");
    is_int(s.live_states, 3, "two v2 states plus the leased v1 state");
    lh_release(old);
    lh_pool_stats(p, &s);
    is_int(s.live_generations, 1, "the old generation is gone after its last release");
    is_int(s.live_states, 2, "and its state was closed");
    is_int(s.idle_states, 2, "the old state did not join the new idle list");
    lh_pool_free(p);
}

struct reload_arg {
    struct lh_pool *pool;
    int rc;
};

static void *
reload_thread(void *arg)
{
    struct reload_arg *ra = arg;
    static char rerr[4096];
    ra->rc = lh_pool_reload(ra->pool, fixture("reload/v2"), rerr, sizeof rerr);
    return NULL;
}

static void
lease_runs_during_reload(void)
{
    /* The call spins 50 ms of CPU; a generous budget keeps a loaded machine from failing it. */
    struct lh_limits lim;
    lh_limits_default(&lim);
    lim.call_ms = 5000;
    struct lh_pool *p = lh_pool_new(&lim, 1, err, sizeof err);
    lh_pool_reload(p, fixture("reload/v1"), err, sizeof err);
    struct lh_state *st = lh_lease(p, err, sizeof err);
    struct reload_arg ra = {p, -1};
    pthread_t t;
    pthread_create(&t, NULL, reload_thread, &ra);
    struct buf out = BUF_INIT;
    int rc = lh_call(st, "main.lua:slow_version", &out, err, sizeof err, "i", 50LL);
    pthread_join(t, NULL);
    ok(rc == 0 && strcmp(buf_str(&out), "v1") == 0, "a call spanning a reload completes on v1");
    ok(ra.rc == 0, "the reload finished meanwhile");
    buf_free(&out);
    lh_release(st);
    is_str(serving_version(p), "v2", "afterwards v2 serves");
    lh_pool_free(p);
}

static void
lease_times_out_when_all_states_are_leased(void)
{
    struct lh_limits lim;
    lh_limits_default(&lim);
    lim.lease_wait_ms = 50;
    struct lh_pool *p = lh_pool_new(&lim, 1, err, sizeof err);
    lh_pool_reload(p, fixture("reload/v1"), err, sizeof err);
    struct lh_state *st = lh_lease(p, err, sizeof err);
    ok(lh_lease(p, err, sizeof err) == NULL, "a second lease of a one-state pool fails");
    like(err, "no state free after 50 ms", "after the configured wait");
    lh_release(st);
    lh_pool_free(p);
}

/* Concurrency: four threads lease from a two-state pool while reloads swap it. */
#define THREADS 4
#define ROUNDS  300

struct worker {
    struct lh_pool *pool;
    int id;
    int bad;
    int failed;
};

static int
expected_alphas(int n)
{
    int count = 0;
    for (int i = 1; i <= 50; i++)
        count += (n + i) % 4 == 0;
    return count;
}

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    char werr[4096], want[64];
    struct buf out = BUF_INIT;
    for (int r = 0; r < ROUNDS; r++) {
        int n = w->id * ROUNDS + r;
        struct lh_state *st = lh_lease(w->pool, werr, sizeof werr);
        if (!st) {
            w->failed++;
            continue;
        }
        buf_reset(&out);
        if (lh_call(st, "work.lua:work", &out, werr, sizeof werr, "i", (long long)n) < 0) {
            w->failed++;
        } else {
            snprintf(want, sizeof want, "%d:%d", n, expected_alphas(n));
            w->bad += strcmp(buf_str(&out), want) != 0;
        }
        lh_release(st);
    }
    buf_free(&out);
    return NULL;
}

static void
pool_serves_four_threads_concurrently(void)
{
    struct lh_pool *p = lh_pool_new(NULL, 2, err, sizeof err);
    ok(lh_pool_reload(p, fixture("pool"), err, sizeof err) == 0, "pool fixture loads");
    pthread_t t[THREADS];
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.pool = p, .id = i};
        pthread_create(&t[i], NULL, worker_main, &w[i]);
    }
    int reloads = 0;
    for (int i = 0; i < 5; i++)
        reloads += lh_pool_reload(p, fixture("pool"), err, sizeof err) == 0;
    int bad = 0, failed = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        bad += w[i].bad;
        failed += w[i].failed;
    }
    is_int(failed, 0, "every lease and call succeeded");
    is_int(bad, 0, "every result was right");
    is_int(reloads, 5, "reloads under load succeeded");
    struct lh_pool_stats s;
    lh_pool_stats(p, &s);
    is_int(s.live_generations, 1, "only the serving generation is left");
    is_int(s.idle_states, 2, "with both its states idle");
    lh_pool_free(p);
}

int
main(void)
{
    lease_fails_before_first_load();
    reload_with_broken_script_keeps_old_generation();
    reload_swaps_generation();
    leased_state_of_old_generation_keeps_working();
    lease_runs_during_reload();
    lease_times_out_when_all_states_are_leased();
    pool_serves_four_threads_concurrently();
    return tap_done();
}
