/*
 * cmd_milter.c - `tern milter`: the libmilter daemon
 *
 * Sets up the process-wide services (db pool, contact cache, record spool
 * and its drain, Lua pool), publishes the first generation and hands the
 * socket to smfi_main(). libmilter's own signal thread owns SIGHUP, SIGINT
 * and SIGTERM and treats all three as "stop", so reload is SIGUSR1,
 * handled by a thread of ours that waits for it with sigwait(): it loads
 * tern.conf and the scripts anew and publishes a new generation; messages
 * in flight finish under the one their connection pinned. Settings read
 * only at start (socket, database, spool, cache size, Lua states) need a
 * restart.
 *
 * PostgreSQL down at start does not stop the milter: mail flows with
 * anonymous tracking, records wait in the spool, and a thread keeps
 * trying to connect; the drain starts once it can.
 */
#define LOG_MODULE "milter"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "contact_cache.h"
#include "db.h"
#include "heap.h"
#include "hook.h"
#include "lh.h"
#include "log.h"
#include "mime.h"
#include "mrecord.h"
#include "rewrite.h"
#include "shell.h"
#include "smfi_ops.h"
#include "tplcache.h"

struct daemon {
    struct cli *cli;
    struct config *cfg; /* as loaded at start */
    struct db_settings dbs;
    struct db_pool *_Atomic db;
    struct ccache *cache;
    struct mrec rec;
    struct lh_pool *lua;
    struct milter_deps deps;
    pthread_t reloader, connector;
    pthread_mutex_t reload_mu; /* the reloader and the connector both reload */
    bool connector_running, reloader_running;
    volatile bool stopping;
};

static void reload(struct daemon *d);

/* The contact loader while the pool may not exist yet. */
static int
load_contact(void *ctx, const char *tenant, const char *email, json_t **out, char *err,
             size_t errlen)
{
    struct daemon *d = ctx;
    struct db_pool *db = d->db;
    if (!db) {
        snprintf(err, errlen, "PostgreSQL not connected yet");
        return -1;
    }
    return ccache_db_load(db, tenant, email, out, err, errlen);
}

/*
 * Records arrive one per message; draining each as it comes cost a
 * PostgreSQL transaction and a cursor write (two fsyncs and a new file)
 * per record or two, about an eighth of the daemon's CPU under load. The
 * drain lingers 100 ms after a short batch instead: records reach
 * PostgreSQL that much later, ten batches a second at most.
 */
#define DRAIN_LINGER_MS 100
#define STOP_GRACE_MS   10000 /* connections finishing their message at shutdown */

static void
start_drain(struct daemon *d)
{
    char err[512];
    struct spool_drain_opts o = {.linger_ms = DRAIN_LINGER_MS};
    d->rec.drain = spool_drain_start(d->rec.spool, d->db, &o, err, sizeof err);
    if (!d->rec.drain) log_error("-", "cannot start the spool drain: %s", err);
}

/* Keep trying to reach PostgreSQL; start the drain once it answers. */
static void *
connector(void *arg)
{
    struct daemon *d = arg;
    char err[512];
    while (!d->stopping) {
        for (int i = 0; i < 5 && !d->stopping; i++)
            sleep(1); /* a stop waits at most a second for this thread */
        if (d->stopping) break;
        struct db_pool *p = db_pool_new(&d->dbs, d->cfg->database.pool_size, err, sizeof err);
        if (!p) continue;
        d->db = p;
        log_info("-", "connected to PostgreSQL; draining the record spool");
        start_drain(d);
        if (d->lua) reload(d); /* so message hooks get db.query */
        break;
    }
    return NULL;
}

static int
open_db(struct daemon *d)
{
    char err[512];
    d->dbs = (struct db_settings){d->cfg->database.url, "tern milter",
                                  d->cfg->database.statement_timeout_ms,
                                  d->cfg->database.connect_timeout_ms};
    d->db = db_pool_new(&d->dbs, d->cfg->database.pool_size, err, sizeof err);
    if (d->db) return 0;
    log_warn("-", "%s; delivering with anonymous tracking and spooling records until it is back",
             err);
    if (pthread_create(&d->connector, NULL, connector, d) != 0) return -1;
    d->connector_running = true;
    return 0;
}

static int
open_spool(struct daemon *d)
{
    char err[512];
    struct spool_opts so = {.max_bytes = (uint64_t)d->cfg->milter.spool_max};
    d->rec.spool = spool_open(d->cfg->milter.spool, &so, err, sizeof err);
    if (!d->rec.spool) {
        log_error("-", "%s", err);
        return -1;
    }
    if (d->db) start_drain(d);
    return 0;
}

/*
 * What message hooks reach: db.query on the milter's pool (none until
 * PostgreSQL answers) and template.render on engine.templates. A
 * generation keeps the services it was loaded with.
 */
static int
lua_services(struct daemon *d, const struct config *cfg)
{
    struct lh_services svc = {.db = d->db, .templates_dir = cfg->engine.templates};
    return lh_pool_set_services(d->lua, &svc);
}

/* Message hooks when the scripts directory exists. */
static int
open_lua(struct daemon *d)
{
    char err[2048];
    struct stat st;
    const char *dir = d->cfg->engine.scripts;
    if (!dir || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        log_info("-", "no scripts directory %s: no message hooks", dir ? dir : "(unset)");
        return 0;
    }
    struct lh_limits lim;
    lh_limits_default(&lim);
    lim.mem_bytes = (size_t)d->cfg->lua.memory;
    lim.call_ms = (unsigned)d->cfg->lua.call_timeout_ms;
    d->lua = lh_pool_new(&lim, (unsigned)d->cfg->lua.states, err, sizeof err);
    if (d->lua && lua_services(d, d->cfg) < 0) snprintf(err, sizeof err, "out of memory");
    if (!d->lua || lh_pool_reload(d->lua, dir, err, sizeof err) < 0) {
        log_error("-", "scripts: %s", err);
        return -1;
    }
    d->deps.hooks = mhook_run;
    d->deps.hooks_ctx = d->lua;
    return 0;
}

static int
publish(struct daemon *d, struct config *cfg)
{
    char err[512];
    struct milter_gen *g = milter_gen_new(cfg, &d->deps, err, sizeof err);
    if (!g) {
        log_error("-", "%s", err);
        return -1;
    }
    milter_shell_set_gen(g);
    log_info("-", "serving generation %lu from %s", g->id, cfg->path);
    return 0;
}

static void
reload_locked(struct daemon *d)
{
    struct buf errors = BUF_INIT;
    char err[2048];
    struct config *cfg = config_load(config_path(d->cli->config_path), &errors);
    if (!cfg) {
        log_error("-", "reload refused, keeping the running configuration: %s", buf_str(&errors));
        buf_free(&errors);
        return;
    }
    buf_free(&errors);
    if (d->lua && lua_services(d, cfg) < 0)
        log_error("-", "scripts not reloaded, keeping the running ones: out of memory");
    else if (d->lua && lh_pool_reload(d->lua, cfg->engine.scripts, err, sizeof err) < 0)
        log_error("-", "scripts not reloaded, keeping the running ones: %s", err);
    log_set_level((enum log_level)cfg->log.level);
    publish(d, cfg);
    config_unref(cfg);
}

static void
reload(struct daemon *d)
{
    pthread_mutex_lock(&d->reload_mu);
    reload_locked(d);
    pthread_mutex_unlock(&d->reload_mu);
}

static void *
reloader(void *arg)
{
    struct daemon *d = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    for (;;) {
        int sig;
        if (sigwait(&set, &sig) != 0 || d->stopping) break;
        log_info("-", "SIGUSR1: reloading");
        reload(d);
    }
    return NULL;
}

/*
 * Why a unix socket cannot be made at PATH: a missing or closed directory,
 * or something else than a socket in the way (libmilter replaces an old
 * socket, nothing else). NULL when none of these applies.
 */
static const char *
unix_problem(const char *path, char *why, size_t len)
{
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
        return snprintf(why, len, "%s exists and is not a socket", path), why;
    char dir[sizeof((struct sockaddr_un *)0)->sun_path]; /* the config checked the length */
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    if (stat(dir, &st) != 0) return snprintf(why, len, "%s: %s", dir, strerror(errno)), why;
    if (!S_ISDIR(st.st_mode)) return snprintf(why, len, "%s is not a directory", dir), why;
    if (access(dir, W_OK | X_OK) != 0)
        return snprintf(why, len, "cannot create files in %s: %s", dir, strerror(errno)), why;
    return NULL;
}

/*
 * Why a socket spec cannot be listened on, found by binding an inet one
 * once ourselves and by looking at a unix one's path: libmilter tells only
 * syslog. The reason, or NULL when none is found.
 */
static const char *
bind_problem(const char *spec, char *why, size_t len)
{
    if (!strncmp(spec, "unix:", 5) || !strncmp(spec, "local:", 6))
        return unix_problem(strchr(spec, ':') + 1, why, len);
    bool six = strncmp(spec, "inet6:", 6) == 0;
    if (!six && strncmp(spec, "inet:", 5) != 0) return NULL;
    char port[16] = "", host[256] = "";
    const char *p = strchr(spec, ':') + 1, *at = strchr(p, '@');
    snprintf(port, sizeof port, "%.*s", (int)(at ? (size_t)(at - p) : strlen(p)), p);
    if (at) snprintf(host, sizeof host, "%s", at + 1);
    struct addrinfo hints = {.ai_family = six ? AF_INET6 : AF_INET,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE},
                    *ai;
    int rc = getaddrinfo(*host ? host : NULL, port, &hints, &ai);
    if (rc != 0) return snprintf(why, len, "%s", gai_strerror(rc)), why;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    bool bad = fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
               bind(fd, ai->ai_addr, ai->ai_addrlen) != 0;
    if (bad) snprintf(why, len, "%s", strerror(errno));
    if (fd >= 0) close(fd);
    freeaddrinfo(ai);
    return bad ? why : NULL;
}

static int
serve(struct daemon *d)
{
    struct smfiDesc desc;
    milter_shell_desc(&desc, "tern");
    if (smfi_setconn(d->cfg->milter.socket) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS ||
        smfi_opensocket(true) != MI_SUCCESS) {
        char why[512];
        const char *problem = bind_problem(d->cfg->milter.socket, why, sizeof why);
        log_error("-", "cannot listen on %s: %s", d->cfg->milter.socket,
                  problem ? problem : "libmilter's reason is in the mail log (syslog)");
        return -1;
    }
    log_info("-", "listening on %s", d->cfg->milter.socket);
    return smfi_main() == MI_SUCCESS ? 0 : -1;
}

static void
shutdown_all(struct daemon *d)
{
    d->stopping = true;
    if (d->reloader_running) {
        pthread_kill(d->reloader, SIGUSR1);
        pthread_join(d->reloader, NULL);
    }
    if (d->connector_running) pthread_join(d->connector, NULL);
    milter_shell_set_gen(NULL);
    /* libmilter's session threads may still be in a message when smfi_main returns: the spool,
     * the contact cache and the Lua pool must outlive them */
    for (int waited = 0; milter_conns_live() > 0 && waited < STOP_GRACE_MS; waited += 10)
        usleep(10000);
    if (milter_conns_live() > 0) {
        log_warn("-", "%d connection%s still open at shutdown; exiting without waiting",
                 milter_conns_live(), milter_conns_live() == 1 ? "" : "s");
        spool_drain_stop(d->rec.drain, 5000); /* what is durable still reaches PostgreSQL */
        log_info("-", "stopped");
        _exit(0);
    }
    spool_drain_stop(d->rec.drain, 5000);
    spool_close(d->rec.spool);
    ccache_free(d->cache);
    tplc_clear();
    lh_pool_free(d->lua);
    db_pool_free(d->db);
    config_unref(d->cfg);
}

int
cmd_milter(struct cli *cli, int argc, char **argv)
{
    if (argc > 1) {
        cli_usage(cli_command("milter"), true);
        return EXIT_USAGE;
    }
    struct daemon d = {.cli = cli, .reload_mu = PTHREAD_MUTEX_INITIALIZER};
    if (!(d.cfg = cli_config(cli))) return EXIT_FAIL;
    log_setup("tern milter", (enum log_level)d.cfg->log.level, d.cfg->log.syslog);
    milter_heap_tune();
    mime_init();
    /*
     * Blocked before any thread starts, so every thread inherits the mask:
     * SIGUSR1 is taken only by the reloader, SIGHUP/SIGINT/SIGTERM only by
     * libmilter's signal thread (which stops smfi_main). A thread of ours
     * with SIGTERM unblocked would let it kill the process instead.
     */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    d.deps = (struct milter_deps){
        .contact = ccache_get, .record = mrec_record, .record_ctx = &d.rec, .process = rw_process};
    d.cache = ccache_new((size_t)d.cfg->milter.contact_cache, d.cfg->milter.contact_ttl_ms,
                         load_contact, &d);
    d.deps.contact_ctx = d.cache;
    milter_shell_init(&smfi_real_ops);
    int rc = EXIT_FAIL;
    if (!d.cache || open_db(&d) < 0 || open_spool(&d) < 0 || open_lua(&d) < 0 ||
        publish(&d, d.cfg) < 0 || pthread_create(&d.reloader, NULL, reloader, &d) != 0)
        goto out;
    d.reloader_running = true;
    rc = serve(&d) == 0 ? EXIT_OK : EXIT_FAIL;
    log_info("-", "stopped");
out:
    shutdown_all(&d);
    return rc;
}
