/*
 * spool_drain_test.c - the drain against a real PostgreSQL that goes away
 *
 * Run by spool_drain.t: a private migrated cluster (TERN_DB_URL) that
 * TERN_PG_STOP / TERN_PG_START stop and restart, and a scratch directory
 * (TERN_SPOOL_TMP) for the spools. Log lines go to stderr, which the .t
 * script keeps and checks for the growth warning.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "log.h"
#include "record.h"
#include "spool.h"
#include "spool_drain.h"
#include "tap.h"

static struct db_settings settings;
static struct db_pool *pool;
static char err[1024];

static long long
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
count(const char *sql)
{
    PGconn *c = db_connect(&settings, err, sizeof err);
    PGresult *res = c ? PQexec(c, sql) : NULL;
    long long n =
        PQresultStatus(res) == PGRES_TUPLES_OK ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;
    PQclear(res);
    PQfinish(c);
    return n;
}

static struct spool *
fresh_spool(const char *name)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", getenv("TERN_SPOOL_TMP"), name);
    struct spool *sp = spool_open(dir, NULL, err, sizeof err);
    if (!sp) diag("spool_open: %s", err);
    return sp;
}

/* Append `n` email.open events of batch `tag` (data padded to ~600 bytes) and sync them. */
static int
append_events(struct spool *sp, const char *tag, int n)
{
    struct buf b = BUF_INIT;
    char data[700], pad[601];
    memset(pad, 'p', 600);
    pad[600] = '\0';
    uint64_t seq = 0;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        snprintf(data, sizeof data, "{\"tag\": \"%s\", \"i\": %d, \"pad\": \"%s\"}", tag, i, pad);
        struct rec_event ev = {
            .type = "email.open", .source = "track", .data = data, .delay_ms = -1};
        rc = rec_encode_event(&ev, &b, err, sizeof err);
        if (rc == 0) rc = spool_append(sp, b.data, b.len, &seq, err, sizeof err);
    }
    if (rc == 0 && n) rc = spool_sync(sp, seq, err, sizeof err);
    if (rc < 0) diag("append: %s", err);
    buf_free(&b);
    return rc;
}

static long long
events_of(const char *tag)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM tern.events WHERE data->>'tag' = '%s'", tag);
    return count(sql);
}

static long long
distinct_of(const char *tag)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT data->>'i') FROM tern.events WHERE data->>'tag' = '%s'", tag);
    return count(sql);
}

/* Wait up to `ms` until the drain has handled (applied or skipped) `handled`
 * records and failed `failures` times; its stats then. */
static struct spool_drain_stats
wait_for(struct spool_drain *d, uint64_t handled, uint64_t failures, long long ms)
{
    long long until = now_ms() + ms;
    struct spool_drain_stats st = {0};
    while (d) {
        spool_drain_stats(d, &st);
        if (st.applied + st.skipped >= handled && st.failures >= failures) break;
        if (now_ms() >= until) {
            diag("applied %llu, skipped %llu, failed %llu", (unsigned long long)st.applied,
                 (unsigned long long)st.skipped, (unsigned long long)st.failures);
            break;
        }
        usleep(20000);
    }
    return st;
}

static void
records_spooled_while_postgresql_is_down_arrive_once_after_restart(void)
{
    struct spool *sp = fresh_spool("outage");
    ok(system(getenv("TERN_PG_STOP")) == 0, "PostgreSQL is stopped");
    ok(sp && append_events(sp, "outage", 3000) == 0, "3000 records are spooled meanwhile");
    struct spool_drain_opts o = {.max_backoff_ms = 400};
    struct spool_drain *d = spool_drain_start(sp, pool, &o, err, sizeof err);
    ok(wait_for(d, 0, 3, 10000).failures >= 3, "the drain keeps retrying while PostgreSQL is down");
    struct spool_stats st;
    spool_stats(sp, &st);
    is_int(st.acked, 0, "nothing is acked while it is down");
    ok(system(getenv("TERN_PG_START")) == 0, "PostgreSQL is started again");
    ok(wait_for(d, 3000, 0, 30000).applied == 3000,
       "the drain applies every record after the restart");
    spool_drain_stop(d, 5000);
    is_int(events_of("outage"), 3000, "each spooled record is one event row");
    is_int(distinct_of("outage"), 3000, "no record is missing and none is doubled");
    spool_stats(sp, &st);
    ok(st.acked == st.appended && st.bytes == 0, "the spool is empty");
    spool_close(sp);
}

struct trickle {
    struct spool *sp;
    int n, failures;
};

/* Append records one at a time, about one every 200 us, as steady traffic would. */
static void *
trickle_main(void *arg)
{
    struct trickle *t = arg;
    for (int i = 0; i < t->n; i++) {
        struct buf b = BUF_INIT;
        char data[64];
        snprintf(data, sizeof data, "{\"tag\": \"crash\", \"i\": %d}", i);
        struct rec_event ev = {
            .type = "email.open", .source = "track", .data = data, .delay_ms = -1};
        uint64_t seq;
        if (rec_encode_event(&ev, &b, err, sizeof err) < 0 ||
            spool_append(t->sp, b.data, b.len, &seq, err, sizeof err) < 0 ||
            spool_sync(t->sp, seq, err, sizeof err) < 0)
            t->failures++;
        buf_free(&b);
        usleep(200);
    }
    return NULL;
}

static void
postgresql_crashing_under_the_drain_loses_no_applied_batch(void)
{
    struct spool *sp = fresh_spool("crash");
    struct spool_drain_opts o = {.batch = 20, .idle_ms = 5, .max_backoff_ms = 200};
    struct spool_drain *d = spool_drain_start(sp, pool, &o, err, sizeof err);
    struct trickle t = {sp, 3000, 0};
    pthread_t th;
    pthread_create(&th, NULL, trickle_main, &t);
    usleep(300000); /* the drain commits small batches as the records come */
    ok(system(getenv("TERN_PG_STOP")) == 0, "PostgreSQL is killed (immediate shutdown) mid-stream");
    usleep(200000);
    ok(system(getenv("TERN_PG_START")) == 0, "and started again");
    pthread_join(th, NULL);
    is_int(t.failures, 0, "every record was spooled");
    ok(wait_for(d, 3000, 0, 30000).applied == 3000, "the drain applies them all");
    spool_drain_stop(d, 5000);
    is_int(events_of("crash"), 3000,
           "every batch the drain acked survived the crash (its commits are synchronous)");
    spool_close(sp);
}

static void
stop_drains_within_the_deadline(void)
{
    struct spool *sp = fresh_spool("stop");
    ok(sp && append_events(sp, "stop", 20000) == 0, "20000 records are spooled");
    struct spool_drain *d = spool_drain_start(sp, pool, NULL, err, sizeof err);
    long long t0 = now_ms();
    spool_drain_stop(d, 20000);
    long long took = now_ms() - t0;
    diag("stopping drained 20000 records in %lld ms", took);
    ok(took < 20000, "stop returns within its deadline");
    is_int(events_of("stop"), 20000, "everything was drained before it returned");
    spool_close(sp);
}

static void
stop_while_postgresql_is_down_keeps_the_records_for_the_next_start(void)
{
    struct spool *sp = fresh_spool("down");
    ok(system(getenv("TERN_PG_STOP")) == 0, "PostgreSQL is stopped");
    ok(sp && append_events(sp, "down", 100) == 0, "100 records are spooled");
    struct spool_drain *d = spool_drain_start(sp, pool, NULL, err, sizeof err);
    usleep(200000);
    long long t0 = now_ms();
    spool_drain_stop(d, 500);
    long long took = now_ms() - t0;
    ok(took < 1500, "stop gives up at its deadline (%lld ms for 500)", took);
    struct spool_stats st;
    spool_stats(sp, &st);
    is_int(st.durable - st.acked, 100, "the records stay in the spool");
    ok(system(getenv("TERN_PG_START")) == 0, "PostgreSQL is started again");
    d = spool_drain_start(sp, pool, NULL, err, sizeof err);
    spool_drain_stop(d, 10000);
    is_int(events_of("down"), 100, "the next drain applies them");
    spool_close(sp);
}

static void
a_growing_spool_is_warned_about(void)
{
    char path[4096], line[2048];
    snprintf(path, sizeof path, "%s/drain.log", getenv("TERN_SPOOL_TMP"));
    FILE *f = fopen(path, "r");
    bool warned = false;
    while (f && fgets(line, sizeof line, f))
        warned |= strstr(line, "warning: drain -: spool holds ") &&
                  strstr(line, "not yet in PostgreSQL while PostgreSQL is failing");
    if (f) fclose(f);
    ok(warned, "the outage logged a warning that the spool grew while PostgreSQL failed");
}

static void
kick_wakes_an_idle_drain(void)
{
    struct spool *sp = fresh_spool("kick");
    struct spool_drain_opts o = {.idle_ms = 60000};
    struct spool_drain *d = spool_drain_start(sp, pool, &o, err, sizeof err);
    usleep(100000); /* let it find the spool empty and go idle */
    ok(sp && append_events(sp, "kick", 5) == 0, "records are spooled while the drain idles");
    spool_drain_kick(d);
    ok(wait_for(d, 5, 0, 3000).applied == 5,
       "a kick makes it apply them at once, not after idle_ms");
    spool_drain_stop(d, 1000);
    spool_close(sp);
}

static long long
transactions_of(const char *tag)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT xmin::text) FROM tern.events WHERE data->>'tag' = '%s'", tag);
    return count(sql);
}

static void
lingering_drain_applies_a_trickle_in_one_transaction(void)
{
    struct spool *sp = fresh_spool("linger");
    struct spool_drain_opts o = {.linger_ms = 500};
    struct spool_drain *d = spool_drain_start(sp, pool, &o, err, sizeof err);
    bool spooled = sp && append_events(sp, "linger-first", 1) == 0;
    spooled = spooled && wait_for(d, 1, 0, 3000).applied == 1; /* it lingers after this one */
    for (int i = 0; i < 10 && spooled; i++) { /* one by one, kicked, as the milter spools */
        spooled = append_events(sp, "linger-trickle", 1) == 0;
        spool_drain_kick(d);
        usleep(10000);
    }
    ok(spooled && wait_for(d, 11, 0, 5000).applied == 11, "a trickle of ten records arrives");
    is_int(transactions_of("linger-trickle"), 1, "in one transaction, not one per record");
    spool_drain_stop(d, 1000);
    spool_close(sp);
}

static void
bad_records_are_counted_as_skipped(void)
{
    struct spool *sp = fresh_spool("skip");
    uint64_t seq;
    const char *bad = "{\"kind\": \"event\", \"id\": \"99999999-9999-4999-8999-999999999999\","
                      " \"type\": \"email.open\", \"occurred_us\": 1764000000000000,"
                      " \"ip\": \"not an address\"}";
    ok(sp && append_events(sp, "skip", 3) == 0 &&
           spool_append(sp, bad, strlen(bad), &seq, err, sizeof err) == 0 &&
           spool_sync(sp, seq, err, sizeof err) == 0,
       "three good records and one PostgreSQL refuses are spooled");
    struct spool_drain *d = spool_drain_start(sp, pool, NULL, err, sizeof err);
    struct spool_drain_stats st = wait_for(d, 4, 0, 5000);
    is_int(st.applied, 3, "the good records are applied");
    is_int(st.skipped, 1, "the refused one is counted as skipped");
    spool_drain_stop(d, 5000);
    struct spool_stats ss;
    spool_stats(sp, &ss);
    ok(ss.acked == ss.appended, "the skipped record does not block the spool");
    spool_close(sp);
}

int
main(void)
{
    settings.url = getenv("TERN_DB_URL");
    if (!settings.url || !getenv("TERN_PG_STOP") || !getenv("TERN_SPOOL_TMP")) {
        printf("1..0 # SKIP run through spool_drain.t\n");
        return 0;
    }
    char log[4096];
    snprintf(log, sizeof log, "%s/drain.log", getenv("TERN_SPOOL_TMP"));
    if (!freopen(log, "w", stderr)) {
        printf("Bail out! cannot write %s\n", log);
        return 1;
    }
    log_setup("tern", LOG_LVL_INFO, false);
    settings.connect_timeout_ms = 2000;
    pool = db_pool_new(&settings, 2, err, sizeof err);
    if (!pool) {
        printf("Bail out! %s\n", err);
        return 1;
    }
    records_spooled_while_postgresql_is_down_arrive_once_after_restart();
    a_growing_spool_is_warned_about();
    postgresql_crashing_under_the_drain_loses_no_applied_batch();
    stop_drains_within_the_deadline();
    stop_while_postgresql_is_down_keeps_the_records_for_the_next_start();
    kick_wakes_an_idle_drain();
    lingering_drain_applies_a_trickle_in_one_transaction();
    bad_records_are_counted_as_skipped();
    db_pool_free(pool);
    return tap_done();
}
