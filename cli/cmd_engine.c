/*
 * cmd_engine.c - `tern engine [--once] [--no-send | --send-only]`: run the journey scheduler
 *
 * Loads the configuration and the scripts under engine.scripts into a
 * pool of [lua] states, then runs the scheduler (engine/en_sched.c) in
 * the foreground: SIGHUP reloads the scripts (a broken tree keeps the
 * running one), SIGTERM and SIGINT stop after the batch in flight has
 * committed. Each round ends with a pass of the outbox sender
 * (engine/en_send.c) unless --no-send leaves the outbox to other
 * processes; --send-only runs nothing but sender passes (no scripts are
 * loaded), so journeys and sending scale apart: any number of each,
 * against one database. --once runs rounds until nothing is due now and
 * exits, for cron-style use and tests. --intake-shards N only asks for a
 * new number of intake shards and exits (engine/en_pg_shard.c): the
 * engines running make the change.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "db.h"
#include "engine/en_pg.h"
#include "engine/en_sched.h"
#include "engine/en_send.h"
#include "lua/lh.h"

#define LOG_MODULE "engine"
#include "log.h"

#define DRAIN_ROUNDS 1000 /* --once: rounds before giving up on a journey that feeds itself */

static volatile sig_atomic_t stop_flag, reload_flag;

static void
on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void
on_hup(int sig)
{
    (void)sig;
    reload_flag = 1;
}

static void
signals(void)
{
    struct sigaction sa = {0};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop; /* no SA_RESTART: a sleeping loop wakes at once */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The outbox sender, or NULL (logged) when libcurl cannot start. */
static struct en_sender *
sender(const struct config *cfg)
{
    char err[256];
    struct en_send_cfg sc = {cfg->engine.smtp,
                             cfg->engine.templates,
                             cfg->engine.from,
                             60,
                             cfg->engine.send_connections,
                             (long)(cfg->engine.send_pass_ms / 1000)};
    struct en_sender *s = en_sender_new(&sc, err, sizeof err);
    if (!s) log_error(NULL, "sender: %s", err);
    return s;
}

/* What this process does: journeys, sending, or both. */
enum role { ROLE_BOTH, ROLE_JOURNEYS, ROLE_SENDER };

static int
loop(struct en_sched *s, bool once, const char *what)
{
    char err[2048];
    if (once) {
        if (en_sched_drain(s, DRAIN_ROUNDS, err, sizeof err) == 0) return EXIT_OK;
        log_error(NULL, "%s", err);
        return EXIT_FAIL;
    }
    log_info(NULL, "running %s", what);
    en_sched_run(s);
    log_info(NULL, "stopped");
    return EXIT_OK;
}

static int
run(const struct config *cfg, bool once, enum role role)
{
    char err[2048];
    struct db_settings db = {cfg->database.url, "tern engine", cfg->database.statement_timeout_ms,
                             cfg->database.connect_timeout_ms};
    struct db_settings qdb = db;
    qdb.app_name = "tern engine db.query";
    struct db_pool *dbp = NULL;
    struct lh_pool *pool = NULL;
    struct en_sender *snd = NULL;
    bool ok = true;
    if (role != ROLE_SENDER) {
        if (!(dbp = db_pool_new(&qdb, 1, err, sizeof err)))
            log_error(NULL, "%s", err), ok = false;
        else if (!(pool = cli_engine_scripts(cfg, dbp, err, sizeof err)))
            log_error(NULL, "scripts: %s", err), ok = false;
    }
    if (ok && role != ROLE_JOURNEYS) ok = (snd = sender(cfg)) != NULL; /* it logs why not */
    int rc = EXIT_FAIL;
    if (ok) {
        struct en_sched s = {.db = &db,
                             .pool = pool, /* NULL: no journeys in this process */
                             .scripts = cfg->engine.scripts,
                             .batch = EN_PG_BATCH,
                             .idempotency_keep_ms = cfg->engine.idempotency_keep_ms,
                             .rejects_keep_ms = cfg->engine.rejects_keep_ms,
                             .poll_ms = 1000,
                             .stop = &stop_flag,
                             .reload = pool ? &reload_flag : NULL,
                             .send = snd ? en_sender_pass : NULL,
                             .send_ctx = snd};
        signals();
        char what[4200];
        snprintf(what, sizeof what, "%s%s%s", pool ? "journeys from " : "",
                 pool ? cfg->engine.scripts : "",
                 !snd   ? ""
                 : pool ? ", sending"
                        : "sending only");
        rc = loop(&s, once, what);
        en_sched_close(&s);
    }
    en_sender_free(snd);
    lh_pool_free(pool);
    db_pool_free(dbp);
    return rc;
}

/* --intake-shards: the request, on a connection of its own. EXIT_OK or EXIT_FAIL. */
static int
request_shards(const struct config *cfg, int shards)
{
    PGconn *conn = cli_connect(cfg, "tern engine"); /* says why it cannot */
    if (!conn) return EXIT_FAIL;
    char err[1024];
    int rc = en_pg_shard_request(conn, shards, err, sizeof err);
    PQfinish(conn);
    if (rc < 0) {
        log_error(NULL, "--intake-shards: %s", err);
        return EXIT_FAIL;
    }
    if (rc == 0)
        printf("the intake has %d shards already\n", shards);
    else
        printf("asked for %d intake shards: the engines switch once the old shards have taken in"
               " every event up to now\n",
               shards);
    return EXIT_OK;
}

/* A whole number in 1..EN_PG_SHARDS_MAX from `s`, or -1. */
static int
parse_shards(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);
    return *s && !*end && n >= 1 && n <= EN_PG_SHARDS_MAX ? (int)n : -1;
}

int
cmd_engine(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {{"once", no_argument, NULL, 'o'},
                                             {"no-send", no_argument, NULL, 'n'},
                                             {"send-only", no_argument, NULL, 's'},
                                             {"intake-shards", required_argument, NULL, 'i'},
                                             {0}};
    bool once = false, no_send = false, send_only = false;
    int shards = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'o')
            once = true;
        else if (c == 'n')
            no_send = true;
        else if (c == 's')
            send_only = true;
        else if (c == 'i' && (shards = parse_shards(optarg)) > 0)
            continue;
        else {
            if (c == 'i')
                fprintf(stderr, "tern engine: --intake-shards wants 1 to %d, not %s\n",
                        EN_PG_SHARDS_MAX, optarg);
            break;
        }
    }
    /* no-send and send-only: nothing would run; a request for shards runs nothing either */
    if (c != -1 || optind != argc || (no_send && send_only) ||
        (shards && (once || no_send || send_only))) {
        cli_usage(cli_command("engine"), true);
        return EXIT_USAGE;
    }
    struct config *cfg = cli_config(cli);
    if (!cfg) return EXIT_FAIL;
    log_setup("tern engine", (enum log_level)cfg->log.level, cfg->log.syslog);
    int rc = shards ? request_shards(cfg, shards)
                    : run(cfg, once,
                          no_send     ? ROLE_JOURNEYS
                          : send_only ? ROLE_SENDER
                                      : ROLE_BOTH);
    config_unref(cfg);
    return rc;
}
