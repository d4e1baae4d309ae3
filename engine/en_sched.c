/*
 * en_sched.c - the scheduler loop (see en_sched.h)
 */
#include "en_sched.h"

#include "en_seg.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "schema.h"

#define LOG_MODULE "engine"
#include "log.h"

static bool
stopping(const struct en_sched *s)
{
    return s->stop && *s->stop;
}

static int
reconnect(struct en_sched *s, char *err, size_t errlen)
{
    if (s->conn && PQstatus(s->conn) == CONNECTION_OK) return 0;
    en_sched_close(s);
    s->conn = db_connect(s->db, err, errlen);
    return s->conn ? 0 : -1;
}

typedef int (*batch_fn)(const struct en_pg_run *r, char *err, size_t errlen);

/* Batches of `fn` until one comes back short (the intake's, one per shard, add up); the rows
 * handled, or -1. */
static int
batches(struct en_sched *s, struct en_pg_run *r, batch_fn fn, char *err, size_t errlen)
{
    int total = 0, n;
    do {
        r->now = (int64_t)time(NULL);
        if ((n = fn(r, err, errlen)) < 0) return -1;
        total += n;
    } while (n >= r->limit && !stopping(s));
    return total;
}

static int
send_batches(struct en_sched *s, char *err, size_t errlen)
{
    int total = 0, n;
    do {
        n = s->send(s->send_ctx, s->conn, (int64_t)time(NULL), s->batch, err, errlen);
        if (n < 0) return -1;
        total += n;
    } while (n == s->batch && !stopping(s));
    return total;
}

/* Segments due for a refresh (en_seg.h); the memberships changed, or -1. */
static int
segments(struct en_sched *s, struct lh_state *st, const struct lh_reg *reg, char *err,
         size_t errlen)
{
    int changed;
    return en_seg_round(s->conn, st, reg, (int64_t)time(NULL), &changed, err, errlen) < 0 ? -1
                                                                                          : changed;
}

static int
steps(struct en_sched *s, struct lh_state *st, int *work, char *err, size_t errlen)
{
    struct lh_reg *reg;
    if (lh_reg_get(st, &reg, err, errlen) < 0) return -1;
    struct en_pg_run r = {s->conn, st, reg, 0, s->batch};
    int in = batches(s, &r, en_pg_intake, err, errlen);
    int ran = in < 0 || stopping(s) ? 0 : batches(s, &r, en_pg_run_due, err, errlen);
    int seg = in < 0 || ran < 0 || stopping(s) ? 0 : segments(s, st, reg, err, errlen);
    lh_reg_free(reg);
    if (in < 0 || ran < 0 || seg < 0) return -1;
    *work += in + ran + seg;
    return 0;
}

/* Rows of `what` older than `keep_ms` (0: kept), `name`d in the log with the key that set it. */
static void
prune_one(struct en_sched *s, enum en_prune what, int64_t keep_ms, const char *name,
          const char *key)
{
    if (keep_ms <= 0) return;
    char err[1024];
    int n = en_pg_prune(s->conn, what, keep_ms, err, sizeof err);
    if (n < 0)
        log_warn(NULL, "pruning %s: %s", name, err);
    else if (n > 0)
        log_info(NULL, "deleted %d %s older than engine.%s", n, name, key);
}

/* The coming months' event partitions, so events never pile up in the default one. */
static void
partitions(struct en_sched *s)
{
    char err[1024];
    int n = schema_ensure_partitions(s->conn, false, err, sizeof err);
    if (n < 0)
        log_warn(NULL, "creating event partitions: %s", err);
    else if (n > 0)
        log_info(NULL, "created %d event partition%s", n, n == 1 ? "" : "s");
}

/* Hourly housekeeping, in a process that runs journeys. A failure is logged and tried again
 * an hour later; it never stops the round. */
static void
prune(struct en_sched *s)
{
    int64_t now = (int64_t)time(NULL);
    if (!s->pool || now - s->pruned_at < 3600) return;
    s->pruned_at = now;
    partitions(s);
    prune_one(s, EN_PRUNE_IDEMPOTENCY, s->idempotency_keep_ms, "idempotency keys",
              "idempotency_keep");
    prune_one(s, EN_PRUNE_REJECTS, s->rejects_keep_ms, "unplaced events API items", "rejects_keep");
    prune_one(s, EN_PRUNE_RECORD_REJECTS, s->rejects_keep_ms, "set-aside spooled records",
              "rejects_keep");
}

int
en_sched_round(struct en_sched *s, int *work, char *err, size_t errlen)
{
    *work = 0;
    if (reconnect(s, err, errlen) < 0) return -1;
    int rc = 0;
    if (s->pool) { /* none: a process that only sends */
        struct lh_state *st = lh_lease(s->pool, err, errlen);
        if (!st) return -1;
        rc = steps(s, st, work, err, errlen);
        lh_release(st);
    }
    if (rc == 0 && !stopping(s)) prune(s);
    if (rc == 0 && s->send && !stopping(s)) {
        int sent = send_batches(s, err, errlen);
        rc = sent < 0 ? -1 : 0;
        *work += sent > 0 ? sent : 0;
    }
    if (rc < 0 && PQstatus(s->conn) != CONNECTION_OK) en_sched_close(s);
    return rc;
}

int
en_sched_drain(struct en_sched *s, int max_rounds, char *err, size_t errlen)
{
    for (int i = 0; i < max_rounds && !stopping(s); i++) {
        int work;
        if (en_sched_round(s, &work, err, errlen) < 0) return -1;
        if (work == 0) return 0;
    }
    return 0;
}

static void
nap(int64_t ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL); /* a signal ends it early: stop and reload are seen at once */
}

void
en_sched_run(struct en_sched *s)
{
    char err[1024];
    while (!stopping(s)) {
        if (s->reload && *s->reload) {
            *s->reload = 0;
            if (s->reconfigure) s->reconfigure(s, s->reconfigure_ctx);
        }
        int work = 0;
        if (en_sched_round(s, &work, err, sizeof err) < 0) log_error(NULL, "%s", err);
        if (work == 0 && !stopping(s)) nap(s->poll_ms);
    }
}

void
en_sched_close(struct en_sched *s)
{
    if (s->conn) PQfinish(s->conn);
    s->conn = NULL;
}
