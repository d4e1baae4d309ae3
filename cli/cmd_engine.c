/*
 * cmd_engine.c - `tern engine [--once] [--no-send | --send-only]`: run the journey scheduler
 *
 * Loads the configuration and the scripts under engine.scripts into a
 * pool of [lua] states, then runs the scheduler (engine/en_sched.c) in
 * the foreground: SIGHUP reads tern.conf again and rebuilds the scripts,
 * the sender and the settings from it (a broken configuration or tree
 * keeps all of the running one), SIGTERM and SIGINT stop after the batch in flight has
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

/* The outbox sender, or NULL with err when libcurl cannot start. */
static struct en_sender *
sender(const struct config *cfg, char *err, size_t errlen)
{
    struct en_send_cfg sc = {cfg->engine.smtp,
                             cfg->engine.templates,
                             cfg->engine.from,
                             60,
                             cfg->engine.send_connections,
                             (long)(cfg->engine.send_pass_ms / 1000)};
    char why[1024];
    struct en_sender *s = en_sender_new(&sc, why, sizeof why);
    if (!s) snprintf(err, errlen, "sender: %s", why);
    return s;
}

/* What this process does: journeys, sending, or both. */
enum role { ROLE_BOTH, ROLE_JOURNEYS, ROLE_SENDER };

/* What one configuration gives the process; a reload builds the next one whole. */
struct setup {
    struct config *cfg;    /* a reference: the strings below point into it */
    struct db_settings db; /* the scheduler's connection */
    struct db_pool *dbp;   /* the scripts' db.query connection; NULL in a sender */
    struct lh_pool *pool;  /* NULL: no journeys in this process */
    struct en_sender *snd; /* NULL: no sender in this process */
};

static bool
same_database(const struct config *a, const struct config *b)
{
    return strcmp(a->database.url, b->database.url) == 0 &&
           a->database.statement_timeout_ms == b->database.statement_timeout_ms &&
           a->database.connect_timeout_ms == b->database.connect_timeout_ms;
}

static void
setup_close(struct setup *u)
{
    en_sender_free(u->snd);
    lh_pool_free(u->pool);
    db_pool_free(u->dbp);
    if (u->cfg) config_unref(u->cfg);
    memset(u, 0, sizeof *u);
}

/* The scripts' states and their db.query connection (`dbp` when not NULL). 0 or -1 with err. */
static int
open_scripts(struct setup *u, struct db_pool *dbp, char *err, size_t errlen)
{
    struct db_settings qdb = u->db;
    qdb.app_name = "tern engine db.query";
    if (!(u->dbp = dbp ? dbp : db_pool_new(&qdb, 1, err, errlen))) return -1;
    char why[1900];
    if ((u->pool = cli_engine_scripts(u->cfg, u->dbp, why, sizeof why))) return 0;
    snprintf(err, errlen, "scripts: %s", why);
    return -1;
}

/*
 * Build what `cfg` asks of a process in `role`, with `dbp` as the scripts' connection when not
 * NULL (then owned by `u` on success). 0, or -1 with err: nothing is kept, and `dbp` is not
 * freed.
 */
static int
setup_open(struct setup *u, struct config *cfg, enum role role, struct db_pool *dbp, char *err,
           size_t errlen)
{
    memset(u, 0, sizeof *u);
    u->cfg = config_ref(cfg);
    u->db =
        (struct db_settings){cfg->database.url, "tern engine", cfg->database.statement_timeout_ms,
                             cfg->database.connect_timeout_ms};
    int rc = role == ROLE_SENDER ? 0 : open_scripts(u, dbp, err, errlen);
    if (rc == 0 && role != ROLE_JOURNEYS && !(u->snd = sender(cfg, err, errlen))) rc = -1;
    if (rc < 0) {
        if (u->dbp == dbp) u->dbp = NULL; /* the caller's still */
        setup_close(u);
    }
    return rc;
}

/* The running process: what `tern engine` started with and what its reloads installed. */
struct engine {
    struct cli *cli;
    enum role role;
    struct setup now;
};

/* Point the scheduler at `u`; `fresh_db`: its connection is to be opened anew. */
static void
install(struct en_sched *s, const struct setup *u, bool fresh_db)
{
    s->db = &u->db;
    s->pool = u->pool;
    s->send = u->snd ? en_sender_pass : NULL;
    s->send_ctx = u->snd;
    s->idempotency_keep_ms = u->cfg->engine.idempotency_keep_ms;
    s->rejects_keep_ms = u->cfg->engine.rejects_keep_ms;
    if (fresh_db) en_sched_close(s);
}

/*
 * SIGHUP, between rounds: read tern.conf again and build the whole process anew from it (the
 * scripts from engine.scripts, the sender, the database settings, the log level). Anything
 * that fails keeps all of the running one.
 */
static void
reconfigure(struct en_sched *s, void *ctx)
{
    struct engine *e = ctx;
    const char *path = config_path(e->cli->config_path);
    struct buf errors = BUF_INIT;
    struct config *cfg = config_load(path, &errors);
    if (!cfg) {
        log_error(NULL, "reload refused, keeping the running configuration: %s", buf_str(&errors));
        buf_free(&errors);
        return;
    }
    buf_free(&errors);
    char err[2048];
    struct setup next;
    bool same_db = same_database(cfg, e->now.cfg);
    int rc = setup_open(&next, cfg, e->role, same_db ? e->now.dbp : NULL, err, sizeof err);
    config_unref(cfg); /* next holds its own reference */
    if (rc < 0) {
        log_error(NULL, "reload refused, keeping the running configuration: %s", err);
        return;
    }
    if (same_db) e->now.dbp = NULL; /* moved into next */
    setup_close(&e->now);
    e->now = next;
    install(s, &e->now, !same_db);
    log_setup("tern engine", (enum log_level)e->now.cfg->log.level, e->now.cfg->log.syslog);
    log_info(NULL, "reloaded %s%s%s", path, e->now.pool ? ": journeys from " : "",
             e->now.pool ? e->now.cfg->engine.scripts : "");
}

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
run(struct cli *cli, struct config *cfg, bool once, enum role role)
{
    char err[2048];
    struct engine e = {.cli = cli, .role = role};
    if (setup_open(&e.now, cfg, role, NULL, err, sizeof err) < 0) {
        log_error(NULL, "%s", err);
        return EXIT_FAIL;
    }
    struct en_sched s = {.batch = EN_PG_BATCH,
                         .poll_ms = 1000,
                         .stop = &stop_flag,
                         .reload = &reload_flag,
                         .reconfigure = reconfigure,
                         .reconfigure_ctx = &e};
    install(&s, &e.now, false);
    signals();
    char what[4200];
    snprintf(what, sizeof what, "%s%s%s", s.pool ? "journeys from " : "",
             s.pool ? cfg->engine.scripts : "",
             !s.send  ? ""
             : s.pool ? ", sending"
                      : "sending only");
    int rc = loop(&s, once, what);
    en_sched_close(&s);
    setup_close(&e.now);
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
                    : run(cli, cfg, once,
                          no_send     ? ROLE_JOURNEYS
                          : send_only ? ROLE_SENDER
                                      : ROLE_BOTH);
    config_unref(cfg);
    return rc;
}
