/*
 * server.c - libmicrohttpd daemon and the life of one request (see server.h)
 *
 * Sections follow a request: accepting it (first handler call), taking its
 * body, running its endpoint, making its records durable, answering it,
 * and freeing it when libmicrohttpd says it is complete.
 */
#define LOG_MODULE "track"

#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "buf.h"
#include "endpoints.h"
#include "exchange.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "spool.h"
#include "spool_drain.h"
#include "tlscreds.h"
#include "worker.h"
#include "xff.h"

/* The plain page every refused token gets: no hint of why. */
static const char not_found_page[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width\"><title>Link not found</title></head>\n"
    "<body><h1>Link not found</h1><p>This link is not valid: it may have been cut off or "
    "changed.</p></body></html>\n";

/* A transparent 1x1 GIF89a. */
static const unsigned char pixel[] = {
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
    0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};

#define CSP                                                                                        \
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "          \
    "frame-ancestors 'none'; base-uri 'none'"
#define NO_CACHE "no-cache, no-store, must-revalidate, private"

struct tr_server {
    struct MHD_Daemon *mhd;
    int fd;
    char address[300];
    size_t max_body;
    pthread_mutex_t gen_lock;
    struct tr_gen *gen;
    struct MHD_Response *not_found, *gif;
    atomic_int suspended;     /* requests waiting for a sync */
    atomic_int dispatching;   /* requests between dispatch's start and its return */
    atomic_bool stopping;     /* tr_server_stop began: new requests get 503 */
    char *tls_cert, *tls_key; /* the PEM text served (tlscreds.h has it parsed); NULL: HTTP */
    int64_t not_after;        /* the certificate's expiry (Unix s); -1 unreadable */
};

enum sync_state { SYNC_NONE, SYNC_PENDING, SYNC_SUSPENDED, SYNC_DONE };

struct req {
    struct tr_server *srv;
    struct tr_gen *gen;
    struct MHD_Connection *conn;
    struct tr_request rq;
    struct tr_reply rp;
    struct tr_record rec;
    struct buf body;
    bool too_big;
    pthread_mutex_t lock; /* sync, sync_status: shared with the spool's sync thread */
    enum sync_state sync;
    int sync_status;
};

/* ---------------------------------------------------------------------
 * accepting a request (first call: headers only)
 * --------------------------------------------------------------------- */

static struct tr_gen *
current_gen(struct tr_server *s)
{
    pthread_mutex_lock(&s->gen_lock);
    struct tr_gen *g = tr_gen_ref(s->gen);
    pthread_mutex_unlock(&s->gen_lock);
    return g;
}

static int64_t
now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
peer_text(const struct sockaddr *sa, char ip[TR_IP_MAX])
{
    ip[0] = '\0';
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, ip,
                  TR_IP_MAX);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, ip,
                  TR_IP_MAX);
}

/* The X-Forwarded-For lines of a request: the first as it is, copied and joined only when
 * there are more (a proxy that adds its own line after the client's). */
struct xff_lines {
    const char *first;
    struct buf all;
    int n;
    bool lost; /* out of memory joining them */
};

static enum MHD_Result
join_xff(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct xff_lines *x = cls;
    (void)kind;
    if (strcasecmp(key, "X-Forwarded-For") != 0 || !value) return MHD_YES;
    if (x->n++ == 0) {
        x->first = value;
        return MHD_YES;
    }
    if ((x->n == 2 && !buf_puts(&x->all, x->first)) || !buf_putc(&x->all, ',') ||
        !buf_puts(&x->all, value))
        x->lost = true;
    return MHD_YES;
}

/* The client address: the peer, or behind a trusted proxy (track.trusted_proxies, any
 * peer on a unix socket) the client its X-Forwarded-For names (xff.h). Every
 * X-Forwarded-For line counts, in order, as one list (RFC 9110 5.3): haproxy adds a line
 * of its own after whatever the client sent, and only the rightmost entries are trusted. */
static void
client_ip(struct req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    peer_text(sa, r->rq.ip);
    bool via_proxy = !sa || sa->sa_family == AF_UNIX || cidr_set_has_sockaddr(r->gen->proxies, sa);
    if (!via_proxy) return;
    struct xff_lines x = {.all = BUF_INIT};
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, join_xff, &x);
    const char *list = x.lost ? NULL : x.n > 1 ? buf_str(&x.all) : x.first; /* lost: the peer */
    xff_client(list, r->gen->proxies, r->rq.ip);
    buf_free(&x.all);
}

static struct req *
req_new(struct tr_server *s, struct MHD_Connection *conn, const char *url, const char *method)
{
    struct req *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->srv = s;
    r->conn = conn;
    r->gen = current_gen(s);
    pthread_mutex_init(&r->lock, NULL);
    tr_reply_init(&r->rp);
    struct tr_match m;
    tr_route_match(url, r->gen->base_path, &m);
    r->rq.route = m.route;
    r->rq.token = m.token;
    r->rq.token_len = m.token_len;
    r->rq.method = tr_method_parse(method);
    r->rq.user_agent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "User-Agent");
    r->rq.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    r->rq.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    client_ip(r);
    return r;
}

static void
req_free(struct req *r)
{
    tr_reply_free(&r->rp);
    tr_record_free(&r->rec);
    buf_free(&r->body);
    tr_gen_unref(r->gen);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* ---------------------------------------------------------------------
 * answering
 * --------------------------------------------------------------------- */

static void
add_common_headers(struct MHD_Response *res)
{
    MHD_add_response_header(res, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(res, "Referrer-Policy", "no-referrer");
}

static const char *
content_type_of(enum tr_body kind)
{
    switch (kind) {
    case TR_BODY_HTML: return "text/html; charset=utf-8";
    case TR_BODY_JSON: return "application/json";
    case TR_BODY_METRICS: return "text/plain; version=0.0.4; charset=utf-8";
    default: return "text/plain; charset=utf-8";
    }
}

static struct MHD_Response *
response_of(struct tr_server *s, struct tr_reply *rp)
{
    struct MHD_Response *res;
    if (rp->kind == TR_BODY_NOT_FOUND) return s->not_found;
    if (rp->kind == TR_BODY_GIF) return s->gif;
    if (rp->kind == TR_BODY_EMPTY) {
        res = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else {
        res = MHD_create_response_from_buffer(rp->body.len, rp->body.data, MHD_RESPMEM_MUST_COPY);
        if (res) MHD_add_response_header(res, "Content-Type", content_type_of(rp->kind));
        if (res && rp->kind == TR_BODY_HTML)
            MHD_add_response_header(res, "Content-Security-Policy", CSP);
    }
    if (!res) return NULL;
    add_common_headers(res);
    MHD_add_response_header(res, "Cache-Control", NO_CACHE);
    if (rp->location.len) MHD_add_response_header(res, "Location", buf_str(&rp->location));
    if (rp->allow) MHD_add_response_header(res, "Allow", rp->allow);
    if (rp->bearer) MHD_add_response_header(res, "WWW-Authenticate", "Bearer realm=\"tern\"");
    if (rp->retry_after) {
        char secs[16];
        snprintf(secs, sizeof secs, "%u", rp->retry_after);
        MHD_add_response_header(res, "Retry-After", secs);
    }
    return res;
}

static enum MHD_Result
answer(struct req *r)
{
    struct tr_server *s = r->srv;
    struct MHD_Response *res = response_of(s, &r->rp);
    if (!res) return MHD_NO; /* out of memory: drop the connection */
    if (atomic_load(&s->stopping) && res != s->not_found && res != s->gif)
        MHD_add_response_header(res, "Connection", "close"); /* its next request: elsewhere */
    enum MHD_Result rc = MHD_queue_response(r->conn, r->rp.status, res);
    if (res != s->not_found && res != s->gif) MHD_destroy_response(res);
    tr_metrics_request(r->gen->shared->metrics, r->rq.route, r->rp.status);
    return rc;
}

/* ---------------------------------------------------------------------
 * making records durable before answering
 * --------------------------------------------------------------------- */

/* On the spool's sync thread (or a worker): the records are on disk (0) or will not be (-1). */
static void
on_synced(void *arg, int status)
{
    struct req *r = arg;
    pthread_mutex_lock(&r->lock);
    bool resume = r->sync == SYNC_SUSPENDED;
    r->sync = SYNC_DONE;
    r->sync_status = status;
    struct MHD_Connection *conn = r->conn;
    struct tr_server *s = r->srv;
    pthread_mutex_unlock(&r->lock);
    /* Not a word of `r` from here: not suspended, the HTTP thread is answering it already;
     * resumed, it may answer and free it before resume returns. */
    if (resume) { /* resumed before it stops counting: tr_server_stop waits for the count */
        MHD_resume_connection(conn);
        atomic_fetch_sub(&s->suspended, 1);
    }
}

/* Whatever the endpoint answered becomes 503 `text`, to be retried in a few seconds. */
static void
reply_503(struct req *r, const char *text)
{
    tr_reply_free(&r->rp);
    tr_reply_init(&r->rp);
    tr_reply_status_text(&r->rp, 503, text);
    r->rp.retry_after = 5;
}

static void
unavailable(struct req *r, const char *why)
{
    log_warn(r->rq.ip, "%s: %s, answering 503", tr_route_name(r->rq.route), why);
    reply_503(r, "Service temporarily unavailable");
}

/* Append the endpoint's records; -1 (503 already set) when the spool refuses. */
static int
append_records(struct req *r, uint64_t *seq)
{
    struct spool *sp = r->gen->shared->spool;
    char err[512];
    if (!sp) {
        unavailable(r, "no spool");
        return -1;
    }
    for (size_t i = 0; i < r->rec.n; i++)
        if (spool_append(sp, r->rec.recs[i].data, r->rec.recs[i].len, seq, err, sizeof err) < 0) {
            unavailable(r, err);
            return -1;
        }
    return 0;
}

/* Append every record and ask for a sync; -1 (503 already set) when the spool refuses. */
static int
spool_records(struct req *r)
{
    struct spool *sp = r->gen->shared->spool;
    char err[512];
    uint64_t seq = 0;
    if (append_records(r, &seq) < 0) return -1;
    r->sync = SYNC_PENDING;
    if (spool_sync_async(sp, seq, on_synced, r, err, sizeof err) < 0) {
        r->sync = SYNC_NONE;
        unavailable(r, err);
        return -1;
    }
    return 0;
}

/* The records' sync finished: answer, or 503 when they did not reach the disk. */
static enum MHD_Result
answer_synced(struct req *r)
{
    if (r->sync_status < 0) unavailable(r, "spool sync failed");
    return answer(r);
}

/* Answer now if the sync already finished, else suspend until on_synced resumes us. */
static enum MHD_Result
wait_or_answer(struct req *r)
{
    pthread_mutex_lock(&r->lock);
    bool done = r->sync == SYNC_DONE;
    if (!done) {
        r->sync = SYNC_SUSPENDED;
        atomic_fetch_add(&r->srv->suspended, 1);
        MHD_suspend_connection(r->conn);
    }
    pthread_mutex_unlock(&r->lock);
    return done ? answer_synced(r) : MHD_YES; /* resumed, the handler runs again */
}

/* ---------------------------------------------------------------------
 * running the endpoint
 * --------------------------------------------------------------------- */

static void
run_endpoint(struct req *r)
{
    struct tr_request *rq = &r->rq;
    rq->now_us = now_us();
    rq->body = buf_str(&r->body);
    rq->body_len = r->body.len;
    if (rq->route == TR_NOT_FOUND) {
        tr_reply_not_found(&r->rp);
    } else if (!tr_route_allows(rq->route, rq->method)) {
        tr_reply_status_text(&r->rp, 405, "Method not allowed");
        r->rp.allow = tr_route_allow_header(rq->route);
    } else if (r->too_big) {
        tr_reply_status_text(&r->rp, 413, "Request body too large");
    } else if (tr_endpoint_of(rq->route)(r->gen, rq, &r->rp, &r->rec) < 0) {
        tr_record_free(&r->rec); /* never spool half an answer */
        tr_reply_free(&r->rp);   /* nor send half of one: a Location already set */
        tr_reply_init(&r->rp);
        tr_reply_status_text(&r->rp, 500, "Internal error");
    }
}

/* On a worker thread: finish the endpoint's job, spool what it left, and wake
 * the request once that is durable (on_synced, from the sync thread) or at once. */
static void
run_job(void *arg)
{
    struct req *r = arg;
    char err[512];
    r->rp.job->run(r->rp.job, r->gen, &r->rp);
    if (r->rp.status == 500) tr_record_free(&r->rec); /* never spool half an answer */
    uint64_t seq = r->rp.sync_seq;
    bool sync = r->rp.must_sync || r->rec.n;
    if (r->rec.n && append_records(r, &seq) < 0) sync = false;
    if (sync && spool_sync_async(r->gen->shared->spool, seq, on_synced, r, err, sizeof err) == 0)
        return;
    if (sync) unavailable(r, err);
    on_synced(r, 0);
}

static int
start_job(struct req *r)
{
    const struct tr_shared *sh = r->gen->shared;
    struct tr_worker *w = r->rq.route == TR_EVENTS ? sh->worker : sh->page_worker;
    r->sync = SYNC_PENDING;
    if (w && tr_worker_submit(w, run_job, r) == 0) return 0;
    r->sync = SYNC_NONE;
    unavailable(r, "worker queue full");
    return -1;
}

static enum MHD_Result
run_and_answer(struct req *r)
{
    run_endpoint(r);
    if (r->rp.job) return start_job(r) < 0 ? answer(r) : wait_or_answer(r);
    if (r->rec.n == 0 || spool_records(r) < 0) return answer(r);
    return wait_or_answer(r);
}

/*
 * Run the request, unless the server is stopping: then 503 (a load balancer tries another
 * tracker). The count goes up before the flag is read and tr_server_stop sets the flag
 * before it reads the count, so a request either sees the flag or is waited for (until it
 * answered, or is counted as suspended).
 */
static enum MHD_Result
dispatch(struct req *r)
{
    struct tr_server *s = r->srv;
    atomic_fetch_add(&s->dispatching, 1);
    enum MHD_Result rc;
    if (atomic_load(&s->stopping)) {
        reply_503(r, "Service shutting down");
        rc = answer(r);
    } else {
        rc = run_and_answer(r);
    }
    atomic_fetch_sub(&s->dispatching, 1);
    return rc;
}

/* ---------------------------------------------------------------------
 * libmicrohttpd callbacks
 * --------------------------------------------------------------------- */

/* A declared body over the limit is refused before any of it is read. */
static bool
declared_too_big(struct MHD_Connection *conn, size_t max)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    return cl && strtoull(cl, NULL, 10) > max;
}

static enum MHD_Result
take_body(struct req *r, const char *data, size_t *size)
{
    size_t n = *size;
    *size = 0;
    if (r->too_big) return MHD_YES;
    if (r->body.len + n > r->srv->max_body || !buf_append(&r->body, data, n)) {
        r->too_big = true; /* a chunked body that kept going: 413 at the end */
        buf_free(&r->body);
    }
    return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    struct tr_server *s = cls;
    struct req *r = *con_cls;
    if (!r) { /* headers only: answering now would be 3-4x slower (DESIGN.md 7) */
        if (!(r = req_new(s, conn, url, method))) return MHD_NO;
        *con_cls = r;
        if (!declared_too_big(conn, s->max_body)) return MHD_YES;
        r->too_big = true;
        return dispatch(r); /* 413 at once; libmicrohttpd closes after it */
    }
    if (*upload_size) return take_body(r, upload_data, upload_size);
    pthread_mutex_lock(&r->lock); /* on_synced wrote it on another thread */
    bool synced = r->sync == SYNC_DONE;
    pthread_mutex_unlock(&r->lock);
    return synced ? answer_synced(r) : dispatch(r); /* synced: resumed after the sync */
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct req *r = *con_cls;
    if (r) req_free(r);
    *con_cls = NULL;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    log_warn("-", "http: %s", line);
}

/* ---------------------------------------------------------------------
 * start, publish, stop
 * --------------------------------------------------------------------- */

static struct MHD_Response *
static_response(const void *data, size_t len, const char *type, bool html)
{
    struct MHD_Response *res =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
    if (!res) return NULL;
    add_common_headers(res);
    MHD_add_response_header(res, "Content-Type", type);
    MHD_add_response_header(res, "Cache-Control", NO_CACHE);
    if (html)
        MHD_add_response_header(res, "Content-Security-Policy", CSP);
    else {
        MHD_add_response_header(res, "Pragma", "no-cache");
        MHD_add_response_header(res, "Expires", "0");
    }
    return res;
}

static void
free_pem(char *pem)
{
    if (pem) explicit_bzero(pem, strlen(pem));
    free(pem);
}

static void
server_free(struct tr_server *s)
{
    if (s->not_found) MHD_destroy_response(s->not_found);
    if (s->gif) MHD_destroy_response(s->gif);
    if (s->fd >= 0) close(s->fd);
    free_pem(s->tls_cert);
    free_pem(s->tls_key);
    tr_gen_unref(s->gen);
    pthread_mutex_destroy(&s->gen_lock);
    free(s);
}

/* The PEM text of `path` (the value of track.`key`), or NULL with err. */
static char *
read_pem(const char *path, const char *key, char *err, size_t errlen)
{
    struct buf b = BUF_INIT;
    const char *why = buf_read_file(&b, path, 1u << 20) < 0 /* a chain is a few KiB */
                          ? (errno == EFBIG ? "larger than 1 MiB" : strerror(errno))
                          : b.len == 0 ? "the file is empty" : NULL;
    if (!why) return b.data; /* NUL-terminated */
    snprintf(err, errlen, "track.%s %s: cannot read: %s", key, path, why);
    buf_free(&b);
    return NULL;
}

static struct MHD_Daemon *
start_mhd(struct tr_server *s, const struct tr_server_opts *o)
{
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    /* The certificate comes from tlscreds.c at each handshake, so a reload can swap it.
     * GnuTLS priorities: its defaults without SSL 3, TLS 1.0 and 1.1. */
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)tr_tls_retrieve},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"},
        {MHD_OPTION_END, 0, NULL}};
    if (s->tls_cert)
        flags |= MHD_USE_TLS;
    else
        tls[0].option = MHD_OPTION_END;
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
                            on_mhd_log, s, MHD_OPTION_ARRAY, tls, MHD_OPTION_LISTEN_SOCKET, s->fd,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o->threads ? o->threads : 1),
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)o->max_connections,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)TR_HEADER_LIMIT,
                            MHD_OPTION_CONNECTION_TIMEOUT, o->idle_timeout_s,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
}

struct tr_server *
tr_server_start(const struct tr_server_opts *o, struct tr_gen *g, char *err, size_t errlen)
{
    struct tr_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->fd = -1;
    s->max_body = o->max_body;
    s->gen = tr_gen_ref(g);
    pthread_mutex_init(&s->gen_lock, NULL);
    s->not_found = static_response(not_found_page, sizeof not_found_page - 1,
                                   "text/html; charset=utf-8", true);
    s->gif = static_response(pixel, sizeof pixel, "image/gif", false);
    if (!s->not_found || !s->gif) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (o->tls_cert && (!(s->tls_cert = read_pem(o->tls_cert, "tls_cert", err, errlen)) ||
                        !(s->tls_key = read_pem(o->tls_key, "tls_key", err, errlen)) ||
                        tr_tls_install(s->tls_cert, s->tls_key, o->tls_cert, o->tls_key,
                                       &s->not_after, err, errlen) < 0))
        goto fail;
    if ((s->fd = tr_listen_open(o->listen, s->address, sizeof s->address, err, errlen)) < 0)
        goto fail;
    if (!(s->mhd = start_mhd(s, o))) {
        snprintf(err, errlen, "cannot start the %s server on %s", s->tls_cert ? "HTTPS" : "HTTP",
                 s->address);
        goto fail;
    }
    return s;
fail:
    if (s->tls_cert) tr_tls_release();
    server_free(s);
    return NULL;
}

const char *
tr_server_address(const struct tr_server *s)
{
    return s->address;
}

void
tr_server_publish(struct tr_server *s, struct tr_gen *g)
{
    tr_gen_ref(g);
    pthread_mutex_lock(&s->gen_lock);
    struct tr_gen *old = s->gen;
    s->gen = g;
    pthread_mutex_unlock(&s->gen_lock);
    tr_gen_unref(old);
}

int
tr_server_reload_tls(struct tr_server *s, const char *cert, const char *key, char *err,
                     size_t errlen)
{
    if (!s->tls_cert || !cert) return !s->tls_cert && !cert ? 0 : 2;
    char *c = read_pem(cert, "tls_cert", err, errlen);
    char *k = c ? read_pem(key, "tls_key", err, errlen) : NULL;
    int rc = -1;
    if (k && strcmp(c, s->tls_cert) == 0 && strcmp(k, s->tls_key) == 0)
        rc = 0; /* the files did not change */
    else if (k && tr_tls_install(c, k, cert, key, &s->not_after, err, errlen) == 0)
        rc = 1;
    if (rc != 1) {
        free_pem(c);
        free_pem(k);
        return rc;
    }
    free_pem(s->tls_cert);
    free_pem(s->tls_key);
    s->tls_cert = c, s->tls_key = k;
    return 1;
}

int64_t
tr_server_cert_expiry(const struct tr_server *s)
{
    return s->tls_cert ? s->not_after : 0;
}

bool
tr_server_stop(struct tr_server *s, unsigned grace_ms)
{
    if (!s) return true;
    /* Not MHD_quiesce_daemon: in libmicrohttpd 0.9.75 it races the epoll workers removing the
     * listening socket themselves, and the loser aborts the process. New requests get 503. */
    atomic_store(&s->stopping, true);
    for (unsigned waited = 0;
         (atomic_load(&s->dispatching) > 0 || atomic_load(&s->suspended) > 0) && waited < grace_ms;
         waited += 10)
        usleep(10000);
    int left = atomic_load(&s->suspended);
    if (left > 0) {
        log_warn("-",
                 "%d request%s still wait for the spool or PostgreSQL at shutdown; the tracker "
                 "exits without answering them",
                 left, left == 1 ? "" : "s");
        return false;
    }
    MHD_stop_daemon(s->mhd);
    if (s->tls_cert) tr_tls_release(); /* no handshake can ask for it any more */
    server_free(s);
    return true;
}
