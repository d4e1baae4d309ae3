/*
 * db.c - PostgreSQL connections and pool (see db.h)
 *
 * The pool is a fixed array of slots guarded by one mutex and a condition
 * variable. Connections are opened lazily (except the first) and outside
 * the lock, so a slow connect never blocks threads returning connections.
 */
#include "db.h"
#include "buf.h"
#include "utf8.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 30000

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Copy `msg` into `buf` as one line: newlines folded, trailing space cut, valid UTF-8. */
static const char *
one_line(const char *msg, char *buf, size_t len)
{
    snprintf(buf, len, "%s", msg && *msg ? msg : "unknown error");
    char *w = buf;
    for (char *r = buf; *r; r++) {
        if (*r == '\n' || *r == '\t') {
            if (w > buf && w[-1] != ' ' && r[1]) *w++ = ' ';
            continue;
        }
        *w++ = *r;
    }
    while (w > buf && w[-1] == ' ')
        w--;
    *w = '\0';
    /* A cut inside a character would make the text one PostgreSQL refuses to take back
     * (a reason kept in tern.record_rejects): end before it. */
    size_t bad;
    if (!utf8_valid(buf, (size_t)(w - buf), &bad)) buf[bad] = '\0';
    return buf;
}

const char *
db_error(PGconn *conn, const PGresult *res, char *buf, size_t len)
{
    const char *msg = res ? PQresultErrorMessage(res) : NULL;
    if (!msg || !*msg) msg = conn ? PQerrorMessage(conn) : "out of memory";
    return one_line(msg, buf, len);
}

bool
db_exec(PGconn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) db_error(conn, res, err, errlen);
    PQclear(res);
    return ok;
}

static bool
prepare_session(PGconn *conn, const struct db_settings *s, char *err, size_t errlen)
{
    char timeout[32];
    snprintf(timeout, sizeof timeout, "%lld", (long long)s->statement_timeout_ms);
    const char *params[] = {timeout};
    PGresult *res = PQexecParams(conn,
                                 "SELECT set_config('statement_timeout', $1, false),"
                                 "       set_config('search_path', 'tern, public', false),"
                                 "       set_config('client_min_messages', 'warning', false)",
                                 1, NULL, params, NULL, NULL, 0);
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    if (!ok) {
        char why[512];
        snprintf(err, errlen, "cannot prepare PostgreSQL session: %s",
                 db_error(conn, res, why, sizeof why));
    }
    PQclear(res);
    return ok;
}

PGconn *
db_connect(const struct db_settings *s, char *err, size_t errlen)
{
    char timeout[32];
    /* libpq counts whole seconds and treats 1 as 2; round up. */
    snprintf(timeout, sizeof timeout, "%lld", (long long)((s->connect_timeout_ms + 999) / 1000));
    const char *kw[] = {"dbname", "fallback_application_name", "connect_timeout", NULL};
    const char *val[] = {s->url, s->app_name ? s->app_name : "tern",
                         s->connect_timeout_ms > 0 ? timeout : NULL, NULL};
    if (!val[2]) kw[2] = NULL;
    PGconn *conn = PQconnectdbParams(kw, val, 1);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        char why[512];
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s",
                 db_error(conn, NULL, why, sizeof why));
        PQfinish(conn);
        return NULL;
    }
    if (!prepare_session(conn, s, err, errlen)) {
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

/* ---------------------------------------------------------------------
 * the pool
 * --------------------------------------------------------------------- */

struct slot {
    PGconn *conn; /* NULL: not opened yet, or closed after a failure */
    bool leased;
};

struct db_pool {
    pthread_mutex_t mu;
    pthread_cond_t freed;
    struct db_settings settings;
    char *url, *app_name; /* owned copies behind `settings` */
    int size;
    struct slot *slots;
    int64_t retry_at;   /* no connect attempts before this (monotonic ms) */
    int64_t backoff_ms; /* current back-off; 0 while the server answers */
    char last_error[512];
};

struct db_pool *
db_pool_new(const struct db_settings *s, int size, char *err, size_t errlen)
{
    struct db_pool *p = calloc(1, sizeof *p);
    if (p) {
        pthread_mutex_init(&p->mu, NULL);
        pthread_cond_init(&p->freed, NULL);
    }
    if (!p || !(p->slots = calloc((size_t)size, sizeof *p->slots)) || !(p->url = strdup(s->url)) ||
        !(p->app_name = strdup(s->app_name ? s->app_name : "tern"))) {
        snprintf(err, errlen, "out of memory");
        db_pool_free(p);
        return NULL;
    }
    p->settings = *s;
    p->settings.url = p->url;
    p->settings.app_name = p->app_name;
    p->size = size;
    p->slots[0].conn = db_connect(&p->settings, err, errlen);
    if (!p->slots[0].conn) {
        db_pool_free(p);
        return NULL;
    }
    return p;
}

/* Called with the lock held: pick a free slot, preferring an open one. */
static struct slot *
take_slot(struct db_pool *p)
{
    struct slot *closed = NULL;
    for (int i = 0; i < p->size; i++) {
        if (p->slots[i].leased) continue;
        if (p->slots[i].conn) {
            p->slots[i].leased = true;
            return &p->slots[i];
        }
        if (!closed) closed = &p->slots[i];
    }
    if (closed) closed->leased = true;
    return closed;
}

static void
note_failure(struct db_pool *p, const char *why)
{
    p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : BACKOFF_MIN_MS;
    if (p->backoff_ms > BACKOFF_MAX_MS) p->backoff_ms = BACKOFF_MAX_MS;
    p->retry_at = now_ms() + p->backoff_ms;
    snprintf(p->last_error, sizeof p->last_error, "%s", why);
}

/* Open the connection of a leased slot, honouring the back-off. */
static bool
open_slot(struct db_pool *p, struct slot *s, char *err, size_t errlen)
{
    pthread_mutex_lock(&p->mu);
    int64_t wait = p->retry_at - now_ms();
    if (wait > 0) {
        snprintf(err, errlen, "%s (next attempt in %.1fs)", p->last_error, (double)wait / 1000);
        pthread_mutex_unlock(&p->mu);
        return false;
    }
    pthread_mutex_unlock(&p->mu);
    PGconn *conn = db_connect(&p->settings, err, errlen); /* slow: outside the lock */
    pthread_mutex_lock(&p->mu);
    if (conn)
        p->backoff_ms = 0;
    else
        note_failure(p, err);
    s->conn = conn;
    pthread_mutex_unlock(&p->mu);
    return conn != NULL;
}

static struct slot *
slot_of(struct db_pool *p, PGconn *conn)
{
    for (int i = 0; i < p->size; i++)
        if (p->slots[i].conn == conn) return &p->slots[i];
    return NULL;
}

static void
give_back(struct db_pool *p, struct slot *s)
{
    pthread_mutex_lock(&p->mu);
    s->leased = false;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->mu);
}

PGconn *
db_lease(struct db_pool *p, int64_t wait_ms, char *err, size_t errlen)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (wait_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) until.tv_sec++, until.tv_nsec -= 1000000000;

    pthread_mutex_lock(&p->mu);
    struct slot *s;
    while (!(s = take_slot(p))) {
        if (pthread_cond_timedwait(&p->freed, &p->mu, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&p->mu);
            snprintf(err, errlen, "all %d database connections are busy", p->size);
            return NULL;
        }
    }
    pthread_mutex_unlock(&p->mu);
    if (s->conn && PQstatus(s->conn) != CONNECTION_OK) { /* died while idle */
        PQfinish(s->conn);
        s->conn = NULL;
    }
    if (!s->conn && !open_slot(p, s, err, errlen)) {
        give_back(p, s);
        return NULL;
    }
    return s->conn;
}

void
db_release(struct db_pool *p, PGconn *conn)
{
    if (!conn) return;
    pthread_mutex_lock(&p->mu);
    struct slot *s = slot_of(p, conn);
    pthread_mutex_unlock(&p->mu);
    if (!s) return;
    if (PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE) {
        PQfinish(conn); /* never hand out a connection in an unknown state */
        s->conn = NULL;
    }
    give_back(p, s);
}

void
db_pool_free(struct db_pool *p)
{
    if (!p) return;
    for (int i = 0; p->slots && i < p->size; i++)
        PQfinish(p->slots[i].conn);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->freed);
    free(p->slots);
    free(p->url);
    free(p->app_name);
    free(p);
}

/* Give `copy` the settings `conn` made for its session (statement
 * timeout, search path ...): the rows of pg_settings from source 'session'. */
static bool
copy_settings(PGconn *copy, const PGresult *settings)
{
    bool ok = true;
    for (int i = 0; ok && i < PQntuples(settings); i++) {
        const char *params[] = {PQgetvalue(settings, i, 0), PQgetvalue(settings, i, 1)};
        PGresult *res =
            PQexecParams(copy, "SELECT set_config($1, $2, false)", 2, NULL, params, NULL, NULL, 0);
        ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        PQclear(res);
    }
    return ok;
}

PGconn *
db_clone(PGconn *conn, const PGresult *settings)
{
    PQconninfoOption *opts = PQconninfo(conn);
    if (!opts) return NULL;
    size_t n = 0;
    for (PQconninfoOption *o = opts; o->keyword; o++)
        n++;
    const char **kw = calloc(n + 1, sizeof *kw), **val = calloc(n + 1, sizeof *val);
    PGconn *copy = NULL;
    if (kw && val) {
        size_t k = 0;
        for (PQconninfoOption *o = opts; o->keyword; o++)
            if (o->val) kw[k] = o->keyword, val[k++] = o->val;
        copy = PQconnectdbParams(kw, val, 0);
    }
    free(kw);
    free(val);
    PQconninfoFree(opts);
    if (copy && PQstatus(copy) == CONNECTION_OK && copy_settings(copy, settings)) return copy;
    PQfinish(copy);
    return NULL;
}

bool
db_copy_text(struct buf *b, const char *s, size_t n)
{
    size_t run = 0;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        char e;
        switch (s[i]) { /* what COPY's text format treats specially */
        case '\\': e = '\\'; break;
        case '\n': e = 'n'; break;
        case '\r': e = 'r'; break;
        case '\t': e = 't'; break;
        default: continue;
        }
        char esc[2] = {'\\', e};
        ok = buf_append(b, s + run, i - run) && buf_append(b, esc, 2);
        run = i + 1;
    }
    return ok && buf_append(b, s + run, n - run);
}

bool
db_copy_field(struct buf *b, const char *s)
{
    return s ? db_copy_text(b, s, strlen(s)) : buf_puts(b, "\\N");
}

bool
db_copy_in(PGconn *conn, const char *sql, const char *data, size_t len, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, sql);
    bool ok = PQresultStatus(res) == PGRES_COPY_IN;
    if (!ok) db_error(conn, res, err, errlen);
    PQclear(res);
    if (!ok) return false;
    bool sent = !len || PQputCopyData(conn, data, (int)len) == 1;
    sent = PQputCopyEnd(conn, sent ? NULL : "the rows could not be sent") == 1 && sent;
    while ((res = PQgetResult(conn))) {
        if (ok && PQresultStatus(res) != PGRES_COMMAND_OK) {
            db_error(conn, res, err, errlen);
            ok = false;
        }
        PQclear(res);
    }
    if (ok && !sent) snprintf(err, errlen, "COPY failed: %s", PQerrorMessage(conn));
    return ok && sent;
}
