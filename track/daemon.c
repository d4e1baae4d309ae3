/*
 * daemon.c - start, serve, reload and stop tern track (see daemon.h)
 *
 * Every signal the daemon cares about is blocked in all threads and taken
 * by the main thread with sigwait(), so handlers never run in the middle
 * of libmicrohttpd or the spool.
 */
#define LOG_MODULE "track"

#include "daemon.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apikeys.h"
#include "burst.h"
#include "db.h"
#include "gen.h"
#include "memo.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "spool.h"
#include "spool_drain.h"
#include "tlscreds.h"
#include "worker.h"

#define BURST_SLOTS    65536
#define IDEM_SLOTS     16384 /* recent idempotency keys remembered (memo.h) */
#define TENANT_SLOTS   16384 /* contacts whose tenant is remembered (their pages) */
#define STOP_GRACE_MS  5000  /* suspended requests finishing their sync */
#define DRAIN_GRACE_MS 5000  /* the drain emptying the spool at shutdown */
#define API_WORKERS    2     /* threads writing events API batches */
#define PAGE_WORKERS   2     /* threads reading and saving what the pages show */
/* Records per drain transaction. Each batch costs a PostgreSQL commit and a
 * spool cursor sync, both on the disk the spool's group commits wait for:
 * fewer, larger batches leave the disk to the clicks. */
#define DRAIN_BATCH 5000

struct daemon {
    struct config *cfg; /* as loaded at start */
    const char *path;
    struct tr_shared shared;
    struct db_settings dbs;
    pthread_t background;
    bool background_running;
    atomic_bool stopping;
    struct tr_server *server;
    char keys_path[4096]; /* the saved API keys, in the spool directory */
};

/* ---------------------------------------------------------------------
 * PostgreSQL and the drain
 * --------------------------------------------------------------------- */

/* Connect, load the API keys and start the drain; false while PostgreSQL is away. */
static bool
try_connect(struct daemon *d, bool loud)
{
    char err[512];
    struct db_pool *db = db_pool_new(&d->dbs, d->cfg->database.pool_size, err, sizeof err);
    if (!db) {
        if (loud) log_warn("-", "%s; answering and spooling events until it is back", err);
        return false;
    }
    struct spool_drain_opts o = {.batch = DRAIN_BATCH};
    struct spool_drain *dr = spool_drain_start(d->shared.spool, db, &o, err, sizeof err);
    if (!dr) {
        log_error("-", "cannot start the spool drain: %s", err);
        db_pool_free(db);
        return false;
    }
    d->shared.drain = dr;
    d->shared.db = db;
    if (!loud) log_info("-", "connected to PostgreSQL; draining the event spool");
    return true;
}

static void
refresh_keys(struct daemon *d)
{
    char err[512];
    PGconn *conn = db_lease(d->shared.db, 1000, err, sizeof err);
    if (conn && apikeys_reload(d->shared.keys, conn, err, sizeof err) == 0) {
        db_release(d->shared.db, conn);
        if (apikeys_save(d->shared.keys, d->keys_path, err, sizeof err) < 0)
            log_warn("-", "API keys not saved for a start without PostgreSQL: %s", err);
        return;
    }
    if (conn) db_release(d->shared.db, conn);
    log_warn("-", "API keys not reloaded, keeping the last ones: %s", err);
}

/* Background: reconnect while PostgreSQL is away, reload the API keys every few seconds. */
static void *
background(void *arg)
{
    struct daemon *d = arg;
    while (!atomic_load(&d->stopping)) {
        if (d->shared.db || try_connect(d, false)) refresh_keys(d);
        for (int i = 0; i < APIKEYS_REFRESH_S * 10 && !atomic_load(&d->stopping); i++)
            usleep(100000);
    }
    return NULL;
}

/* PostgreSQL away at start: the keys saved last time, so the events API keeps accepting. */
static void
load_saved_keys(struct daemon *d)
{
    char err[512];
    int n = apikeys_load(d->shared.keys, d->keys_path, err, sizeof err);
    if (n < 0)
        log_warn("-", "no saved API keys (%s): the events API answers 401 until PostgreSQL is back",
                 err);
    else
        log_info("-", "events API: %d keys from %s until PostgreSQL is back", n, d->keys_path);
}

static int
open_database(struct daemon *d)
{
    d->dbs = (struct db_settings){d->cfg->database.url, "tern track",
                                  d->cfg->database.statement_timeout_ms,
                                  d->cfg->database.connect_timeout_ms};
    snprintf(d->keys_path, sizeof d->keys_path, "%s/apikeys", d->cfg->track.spool);
    if (try_connect(d, true))
        refresh_keys(d); /* keys before the first request */
    else
        load_saved_keys(d);
    if (pthread_create(&d->background, NULL, background, d) != 0) {
        log_error("-", "cannot start a thread");
        return -1;
    }
    d->background_running = true;
    return 0;
}

/* ---------------------------------------------------------------------
 * services and the server
 * --------------------------------------------------------------------- */

static int
open_services(struct daemon *d)
{
    char err[512];
    struct spool_opts so = {.max_bytes = (uint64_t)d->cfg->track.spool_max};
    d->shared.metrics = tr_metrics_new();
    d->shared.burst = burst_new(BURST_SLOTS);
    d->shared.keys = apikeys_new();
    d->shared.idem = memo_new(IDEM_SLOTS);
    d->shared.tenants = memo_new(TENANT_SLOTS);
    if (!d->shared.metrics || !d->shared.burst || !d->shared.keys || !d->shared.idem ||
        !d->shared.tenants) {
        log_error("-", "out of memory");
        return -1;
    }
    if (!(d->shared.worker = tr_worker_start(API_WORKERS, err, sizeof err)) ||
        !(d->shared.page_worker = tr_worker_start(PAGE_WORKERS, err, sizeof err))) {
        log_error("-", "%s", err);
        return -1;
    }
    if (!(d->shared.spool = spool_open(d->cfg->track.spool, &so, err, sizeof err))) {
        log_error("-", "%s", err);
        return -1;
    }
    return open_database(d);
}

/*
 * Show the served certificate's expiry in /metrics, and warn when it is near or past: a
 * lapsed certificate breaks every tracked link of every mail already sent.
 */
static void
note_certificate(struct daemon *d, const char *path)
{
    int64_t expiry = tr_server_cert_expiry(d->server);
    tr_metrics_cert_expiry(d->shared.metrics, expiry);
    if (expiry == 0) return;
    if (expiry < 0) {
        log_warn("-", "cannot read the expiry date of the certificate in track.tls_cert %s", path);
        return;
    }
    int64_t left = expiry - (int64_t)time(NULL);
    if (left > (int64_t)TR_CERT_WARN_DAYS * 86400) return;
    char when[32], days[32];
    snprintf(days, sizeof days, "%lld days", (long long)(left / 86400));
    time_t t = (time_t)expiry;
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime_r(&t, &tm));
    if (left <= 0)
        log_error("-",
                  "the certificate in track.tls_cert %s expired on %s: renew it and send SIGHUP",
                  path, when);
    else
        log_warn("-",
                 "the certificate in track.tls_cert %s expires on %s, in %s: renew it and send"
                 " SIGHUP",
                 path, when,
                 left < 86400       ? "less than a day"
                 : left < 2 * 86400 ? "1 day"
                                    : days);
}

static int
start_server(struct daemon *d)
{
    char err[512];
    struct tr_gen *g = tr_gen_new(d->cfg, &d->shared, err, sizeof err);
    if (!g) {
        log_error("-", "%s", err);
        return -1;
    }
    struct tr_server_opts o = {
        .listen = d->cfg->track.listen,
        .threads = (unsigned)d->cfg->track.threads,
        .max_connections = (unsigned)d->cfg->track.max_connections,
        .max_body = (size_t)d->cfg->track.max_body,
        .idle_timeout_s = 30,
        .tls_cert = d->cfg->track.tls_cert,
        .tls_key = d->cfg->track.tls_key,
    };
    d->server = tr_server_start(&o, g, err, sizeof err);
    tr_gen_unref(g);
    if (!d->server) {
        log_error("-", "%s", err);
        return -1;
    }
    log_info("-", "listening on %s%s", tr_server_address(d->server), o.tls_cert ? " (HTTPS)" : "");
    note_certificate(d, o.tls_cert);
    return 0;
}

/* ---------------------------------------------------------------------
 * signals
 * --------------------------------------------------------------------- */

static void
reload(struct daemon *d)
{
    struct buf errors = BUF_INIT;
    char err[512];
    struct config *cfg = config_load(d->path, &errors);
    struct tr_gen *g = cfg ? tr_gen_new(cfg, &d->shared, err, sizeof err) : NULL;
    /* A certificate it cannot use refuses the whole reload: all of it applies, or none. */
    int tls = g ? tr_server_reload_tls(d->server, cfg->track.tls_cert, cfg->track.tls_key, err,
                                       sizeof err)
                : -1;
    if (tls < 0) {
        log_error("-", "reload refused, keeping the running configuration: %s",
                  cfg ? err : buf_str(&errors));
    } else {
        log_set_level((enum log_level)cfg->log.level);
        if (tls == 1)
            log_info("-", "serving the new certificate to new connections; open ones keep theirs");
        else if (tls == 2)
            log_warn("-",
                     "switching track.listen between plain HTTP and HTTPS needs a restart:"
                     " still serving %s",
                     cfg->track.tls_cert ? "plain HTTP" : "HTTPS");
        tr_server_publish(d->server, g);
        log_info("-", "reloaded %s", d->path);
        note_certificate(d, cfg->track.tls_cert);
    }
    tr_gen_unref(g);
    config_unref(cfg);
    buf_free(&errors);
}

static void
block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN); /* a client gone mid-answer is not fatal */
}

static void
serve_until_stopped(struct daemon *d, const sigset_t *set)
{
    for (;;) {
        int sig;
        if (sigwait(set, &sig) != 0) continue;
        if (sig != SIGHUP) {
            log_info("-", "%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            return;
        }
        reload(d);
    }
}

static void
stop_all(struct daemon *d)
{
    atomic_store(&d->stopping, true);
    if (!tr_server_stop(d->server, STOP_GRACE_MS)) {
        /* HTTP and worker threads still run: drain what is durable, free nothing, exit */
        spool_drain_stop(d->shared.drain, DRAIN_GRACE_MS);
        log_info("-", "stopped");
        _exit(0);
    }
    tr_worker_stop(d->shared.worker);
    tr_worker_stop(d->shared.page_worker);
    if (d->background_running) pthread_join(d->background, NULL);
    spool_drain_stop(d->shared.drain, DRAIN_GRACE_MS);
    spool_close(d->shared.spool);
    db_pool_free(d->shared.db);
    apikeys_free(d->shared.keys);
    memo_free(d->shared.idem);
    memo_free(d->shared.tenants);
    burst_free(d->shared.burst);
    tr_metrics_free(d->shared.metrics);
}

int
tr_daemon_run(struct config *cfg, const char *path)
{
    struct daemon d = {.cfg = cfg, .path = path};
    sigset_t set;
    block_signals(&set); /* before any thread starts, so all inherit it */
    int rc = 1;
    if (open_services(&d) == 0 && start_server(&d) == 0) {
        serve_until_stopped(&d, &set);
        rc = 0;
    }
    stop_all(&d);
    log_info("-", "stopped");
    return rc;
}
