/*
 * cmd_engine.c - `tern engine [--once] [--no-send]`: run the journey scheduler
 *
 * Loads the configuration and the scripts under engine.scripts into a
 * pool of [lua] states, then runs the scheduler (engine/en_sched.c) in
 * the foreground: SIGHUP reloads the scripts (a broken tree keeps the
 * running one), SIGTERM and SIGINT stop after the batch in flight has
 * committed. Each round ends with a pass of the outbox sender
 * (engine/en_send.c) unless --no-send leaves the outbox to other
 * engines. --once runs rounds until nothing is due now and exits, for
 * cron-style use and tests.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
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

/* The scripts, with db.query on `db` (its own connections: a step's query never waits for the
 * batch transaction). */
static struct lh_pool *
load_scripts(const struct config *cfg, struct db_pool *db, char *err, size_t errlen)
{
    struct lh_limits lim;
    lh_limits_default(&lim);
    lim.mem_bytes = (size_t)cfg->lua.memory;
    lim.call_ms = (unsigned)cfg->lua.call_timeout_ms;
    struct lh_pool *pool = lh_pool_new(&lim, 1, err, errlen); /* one state: one loop */
    struct lh_services svc = {.db = db, .templates_dir = cfg->engine.templates};
    if (pool && (lh_pool_set_services(pool, &svc) < 0 ||
                 lh_pool_reload(pool, cfg->engine.scripts, err, errlen) < 0)) {
        lh_pool_free(pool);
        return NULL;
    }
    return pool;
}

/* The outbox sender, or NULL (logged) when libcurl cannot start. */
static struct en_sender *
sender(const struct config *cfg)
{
    char err[256];
    struct en_send_cfg sc = {cfg->engine.smtp, cfg->engine.templates, cfg->engine.from, 60};
    struct en_sender *s = en_sender_new(&sc, err, sizeof err);
    if (!s) log_error(NULL, "sender: %s", err);
    return s;
}

static int
run(const struct config *cfg, bool once, bool send)
{
    char err[2048];
    struct db_settings db = {cfg->database.url, "tern engine", cfg->database.statement_timeout_ms,
                             cfg->database.connect_timeout_ms};
    struct db_settings qdb = db;
    qdb.app_name = "tern engine db.query";
    struct db_pool *dbp = db_pool_new(&qdb, 1, err, sizeof err);
    if (!dbp) {
        log_error(NULL, "%s", err);
        return EXIT_FAIL;
    }
    struct lh_pool *pool = load_scripts(cfg, dbp, err, sizeof err);
    if (!pool) {
        log_error(NULL, "scripts: %s", err);
        db_pool_free(dbp);
        return EXIT_FAIL;
    }
    struct en_sched s = {.db = &db,
                         .pool = pool,
                         .scripts = cfg->engine.scripts,
                         .batch = EN_PG_BATCH,
                         .poll_ms = 1000,
                         .stop = &stop_flag,
                         .reload = &reload_flag};
    int rc = EXIT_OK;
    struct en_sender *snd = send ? sender(cfg) : NULL;
    if (send && !snd) {
        lh_pool_free(pool);
        db_pool_free(dbp);
        return EXIT_FAIL;
    }
    s.send = snd ? en_sender_pass : NULL, s.send_ctx = snd;
    signals();
    if (once) {
        if (en_sched_drain(&s, DRAIN_ROUNDS, err, sizeof err) < 0) {
            log_error(NULL, "%s", err);
            rc = EXIT_FAIL;
        }
    } else {
        log_info(NULL, "running journeys from %s", cfg->engine.scripts);
        en_sched_run(&s);
        log_info(NULL, "stopped");
    }
    en_sched_close(&s);
    en_sender_free(snd);
    lh_pool_free(pool);
    db_pool_free(dbp);
    return rc;
}

int
cmd_engine(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"once", no_argument, NULL, 'o'}, {"no-send", no_argument, NULL, 'n'}, {0}};
    bool once = false, send = true;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c != 'o' && c != 'n') {
            cli_usage(cli_command("engine"), true);
            return EXIT_USAGE;
        }
        if (c == 'o') once = true;
        if (c == 'n') send = false;
    }
    if (optind != argc) {
        cli_usage(cli_command("engine"), true);
        return EXIT_USAGE;
    }
    struct config *cfg = cli_config(cli);
    if (!cfg) return EXIT_FAIL;
    log_setup("tern engine", (enum log_level)cfg->log.level, cfg->log.syslog);
    int rc = run(cfg, once, send);
    config_unref(cfg);
    return rc;
}
