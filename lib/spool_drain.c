/*
 * spool_drain.c - the thread that moves spooled records into PostgreSQL (see spool_drain.h)
 *
 * One loop: read a batch of durable records, apply it in one transaction
 * (rec_apply) on a pooled connection, ack it. An empty spool waits
 * idle_ms or until kicked. With linger_ms, a batch that was not full is
 * followed by a wait for more records: a steady trickle (one record per
 * message or click) then costs one transaction and one cursor write per
 * linger_ms instead of one per record or two. A failure waits a back-off that doubles up to
 * max_backoff_ms; kicks do not shorten it, so a dead PostgreSQL is not
 * hammered by every request. Stopping keeps draining until the spool is
 * empty or the deadline passes; a statement still running at the
 * deadline is cancelled (PQcancel), and what is left stays on disk.
 *
 * DIAGNOSTICS
 *     warning: the first failed attempt, then one line every 30 s while it
 *     lasts; a warning each time the spool's unapplied bytes double past
 *     1 MiB; info when PostgreSQL answers again and when a grown spool has
 *     drained.
 */
#include "spool_drain.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record.h"

#define LOG_MODULE "drain"
#include "log.h"

#define WARN_FLOOR       (UINT64_C(1) << 20) /* first growth warning at 1 MiB */
#define FAIL_LOG_MS      30000
#define LEASE_WAIT_MS    1000
#define BACKOFF_FIRST_MS 100

struct spool_drain {
    struct spool *sp;
    struct db_pool *db;
    size_t batch;
    unsigned idle_ms, max_backoff_ms, linger_ms;

    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;     /* kicks and stop, for the drain thread */
    pthread_cond_t finished; /* the thread ended, for spool_drain_stop */
    bool kicked, stopping, done;
    int64_t deadline_ms;
    PGcancel *cancel; /* of the connection rec_apply is using, NULL when idle */
    struct spool_drain_stats st;

    /* drain thread only */
    unsigned backoff_ms;
    uint64_t failures_in_row, warn_at;
    int64_t last_fail_log_ms;
};

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait on `wake` for up to `ms` (monotonic clock). Called with the lock held. */
static void
wait_ms(struct spool_drain *d, int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) until.tv_sec++, until.tv_nsec -= 1000000000;
    pthread_cond_timedwait(&d->wake, &d->mu, &until);
}

static bool
past_deadline(struct spool_drain *d)
{
    pthread_mutex_lock(&d->mu);
    bool past = d->stopping && now_ms() >= d->deadline_ms;
    pthread_mutex_unlock(&d->mu);
    return past;
}

static void
set_cancel(struct spool_drain *d, PGcancel *c)
{
    pthread_mutex_lock(&d->mu);
    PGcancel *old = d->cancel;
    d->cancel = c;
    pthread_mutex_unlock(&d->mu);
    if (old) PQfreeCancel(old);
}

/* Apply one read batch on a leased connection. */
static int
apply_batch(struct spool_drain *d, const struct spool_batch *b, size_t *skipped, char *err,
            size_t errlen)
{
    PGconn *conn = db_lease(d->db, LEASE_WAIT_MS, err, errlen);
    if (!conn) return -1;
    set_cancel(d, PQgetCancel(conn));
    int rc = rec_apply(conn, b->recs, b->n, skipped, err, errlen);
    set_cancel(d, NULL);
    db_release(d->db, conn);
    return rc;
}

/* 1: a batch of *n records was applied; 0: the spool is empty; -1: failed (err says why). */
static int
drain_once(struct spool_drain *d, size_t *n, char *err, size_t errlen)
{
    struct spool_batch b;
    *n = 0;
    if (spool_read(d->sp, d->batch, &b, err, errlen) < 0) return -1;
    *n = b.n;
    size_t skipped = 0;
    int rc = b.n == 0 ? 0 : apply_batch(d, &b, &skipped, err, errlen);
    if (rc == 0 && b.n) rc = spool_ack(d->sp, &b, err, errlen) < 0 ? -1 : 1;
    if (rc == 1) {
        pthread_mutex_lock(&d->mu);
        d->st.applied += b.n - skipped;
        d->st.skipped += skipped;
        pthread_mutex_unlock(&d->mu);
    }
    spool_batch_free(&b);
    return rc;
}

static void
note_failure(struct spool_drain *d, const char *err)
{
    pthread_mutex_lock(&d->mu);
    d->st.failures++;
    pthread_mutex_unlock(&d->mu);
    d->backoff_ms = d->backoff_ms ? d->backoff_ms * 2 : BACKOFF_FIRST_MS;
    if (d->backoff_ms > d->max_backoff_ms) d->backoff_ms = d->max_backoff_ms;
    int64_t now = now_ms();
    if (d->failures_in_row++ == 0 || now - d->last_fail_log_ms >= FAIL_LOG_MS) {
        log_warn("-", "%s (attempt %" PRIu64 ", next in %u ms; records stay in the spool)", err,
                 d->failures_in_row, d->backoff_ms);
        d->last_fail_log_ms = now;
    }
}

static void
note_success(struct spool_drain *d)
{
    if (d->failures_in_row)
        log_info("-", "PostgreSQL answers again after %" PRIu64 " failed attempts; draining",
                 d->failures_in_row);
    d->failures_in_row = 0;
    d->backoff_ms = 0;
}

/* Warn each time the unapplied part of the spool doubles; say when it is empty again. */
static void
watch_growth(struct spool_drain *d)
{
    struct spool_stats st;
    spool_stats(d->sp, &st);
    if (st.bytes >= d->warn_at) {
        log_warn("-", "spool holds %" PRIu64 " bytes (%" PRIu64 " records) not yet in PostgreSQL%s",
                 st.bytes, st.durable - st.acked,
                 d->failures_in_row ? " while PostgreSQL is failing" : "");
        while (d->warn_at <= st.bytes)
            d->warn_at *= 2;
    } else if (st.bytes == 0 && d->warn_at > WARN_FLOOR) {
        log_info("-", "spool drained");
        d->warn_at = WARN_FLOOR;
    }
}

/* Sleep after a failure or on an empty spool, cut short by stop (and by kicks when idle). */
static void
pause_drain(struct spool_drain *d, int64_t ms, bool kick_wakes)
{
    int64_t until = now_ms() + ms;
    pthread_mutex_lock(&d->mu);
    for (;;) {
        int64_t now = now_ms(),
                end = d->stopping && d->deadline_ms < until ? d->deadline_ms : until;
        if (now >= end || (kick_wakes && d->kicked) || (d->stopping && kick_wakes)) break;
        wait_ms(d, end - now);
    }
    d->kicked = false;
    pthread_mutex_unlock(&d->mu);
}

/* After a short batch: let records gather for linger_ms; a stop ends it, a kick does not. */
static void
linger(struct spool_drain *d)
{
    int64_t until = now_ms() + d->linger_ms;
    pthread_mutex_lock(&d->mu);
    for (int64_t now = now_ms(); !d->stopping && now < until; now = now_ms())
        wait_ms(d, until - now);
    pthread_mutex_unlock(&d->mu);
}

static bool
stopping(struct spool_drain *d)
{
    pthread_mutex_lock(&d->mu);
    bool s = d->stopping;
    pthread_mutex_unlock(&d->mu);
    return s;
}

static void *
drain_main(void *arg)
{
    struct spool_drain *d = arg;
    char err[1024];
    while (!past_deadline(d)) {
        size_t n;
        int rc = drain_once(d, &n, err, sizeof err);
        if (rc >= 0)
            note_success(d);
        else
            note_failure(d, err);
        watch_growth(d);
        if (rc == 0 && stopping(d)) break; /* empty: nothing left to drain */
        if (rc == 0) pause_drain(d, d->idle_ms, true);
        if (rc < 0) pause_drain(d, d->backoff_ms, false);
        if (rc == 1 && n < d->batch && d->linger_ms) linger(d);
    }
    pthread_mutex_lock(&d->mu);
    d->done = true;
    pthread_cond_broadcast(&d->finished);
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

static void
drain_free(struct spool_drain *d)
{
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->wake);
    pthread_cond_destroy(&d->finished);
    free(d);
}

struct spool_drain *
spool_drain_start(struct spool *sp, struct db_pool *db, const struct spool_drain_opts *opts,
                  char *err, size_t errlen)
{
    struct spool_drain *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->sp = sp;
    d->db = db;
    d->batch = opts && opts->batch ? opts->batch : 500;
    d->idle_ms = opts && opts->idle_ms ? opts->idle_ms : 50;
    d->max_backoff_ms = opts && opts->max_backoff_ms ? opts->max_backoff_ms : 5000;
    d->linger_ms = opts ? opts->linger_ms : 0;
    d->warn_at = WARN_FLOOR;
    pthread_mutex_init(&d->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->wake, &ca);
    pthread_cond_init(&d->finished, &ca);
    pthread_condattr_destroy(&ca);
    int rc = pthread_create(&d->thread, NULL, drain_main, d);
    if (rc) {
        snprintf(err, errlen, "cannot start the spool drain thread: %s", strerror(rc));
        drain_free(d);
        return NULL;
    }
    return d;
}

void
spool_drain_kick(struct spool_drain *d)
{
    if (!d) return;
    pthread_mutex_lock(&d->mu);
    d->kicked = true;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->mu);
}

/* At the deadline, cancel the statement in flight so the thread gets to see it. */
static void
wait_finished(struct spool_drain *d)
{
    pthread_mutex_lock(&d->mu);
    while (!d->done) {
        int64_t left = d->deadline_ms - now_ms();
        if (left <= 0) {
            char why[256];
            if (d->cancel) PQcancel(d->cancel, why, sizeof why);
            left = 100; /* then look again: the cancelled statement returns soon */
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += left / 1000;
        until.tv_nsec += (left % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000) until.tv_sec++, until.tv_nsec -= 1000000000;
        pthread_cond_timedwait(&d->finished, &d->mu, &until);
    }
    pthread_mutex_unlock(&d->mu);
}

void
spool_drain_stop(struct spool_drain *d, unsigned deadline_ms)
{
    if (!d) return;
    pthread_mutex_lock(&d->mu);
    d->stopping = true;
    d->deadline_ms = now_ms() + deadline_ms;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->mu);
    wait_finished(d);
    pthread_join(d->thread, NULL);
    struct spool_stats st;
    spool_stats(d->sp, &st);
    if (st.durable > st.acked)
        log_info("-", "drain stopped; %" PRIu64 " records stay in the spool for the next start",
                 st.durable - st.acked);
    set_cancel(d, NULL);
    drain_free(d);
}

void
spool_drain_stats(struct spool_drain *d, struct spool_drain_stats *st)
{
    pthread_mutex_lock(&d->mu);
    *st = d->st;
    pthread_mutex_unlock(&d->mu);
}
