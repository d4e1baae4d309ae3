/*
 * exchange.h - one request as the endpoints see it, and what they answer
 *
 * Owns: the boundary between HTTP (server.c, the only code that knows
 * libmicrohttpd) and the endpoints (ep_*.c). An endpoint is a function of
 * the generation it runs under and the request; it fills a reply and, when
 * the request must be recorded before it is answered, a record. The server
 * spools the record, waits for the group commit and only then sends the
 * reply; when spooling fails the reply becomes 503, so nothing is ever
 * acknowledged that is not on disk.
 *
 * Endpoints never see sockets or headers they did not ask for, so they
 * are unit tested as plain functions.
 *
 * Depends on: lib/buf, lib/record (the record kinds), track/route, track/gen.
 */
#ifndef TERN_TRACK_EXCHANGE_H
#define TERN_TRACK_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "record.h"
#include "route.h"

struct tr_gen;
struct tr_reply;

#define TR_IP_MAX 46 /* INET6_ADDRSTRLEN */

struct tr_request {
    enum tr_route route;
    enum tr_method method;
    const char *token; /* token routes; not NUL-terminated */
    size_t token_len;
    const char *user_agent;    /* NULL when absent */
    const char *content_type;  /* NULL when absent */
    const char *authorization; /* NULL when absent */
    char ip[TR_IP_MAX];        /* the client, after trusted proxies */
    const char *body;          /* POST body, NUL-terminated; "" when none */
    size_t body_len;
    int64_t now_us; /* Unix time in microseconds */
};

/* What the body of a reply is. Static bodies are built once by the server. */
enum tr_body {
    TR_BODY_EMPTY,
    TR_BODY_NOT_FOUND, /* the plain 404 page */
    TR_BODY_GIF,       /* the 1x1 pixel */
    TR_BODY_TEXT,      /* `body`, text/plain */
    TR_BODY_HTML,      /* `body`, text/html with the strict CSP */
    TR_BODY_JSON,      /* `body`, application/json */
    TR_BODY_METRICS,   /* `body`, Prometheus text format */
};

/*
 * Work an endpoint leaves for a worker thread because it may block on
 * PostgreSQL (the events API). `run` finishes the reply; `free` releases
 * the job. The connection stays suspended meanwhile. A job that appends
 * records to the spool itself (the events API, which answers per item)
 * sets the reply's must_sync and sync_seq; records the endpoint left in
 * its tr_record are appended after the job ran. Either way the reply is
 * sent once they are durable.
 */
struct tr_job {
    void (*run)(struct tr_job *job, const struct tr_gen *g, struct tr_reply *rp);
    void (*free)(struct tr_job *job);
};

struct tr_reply {
    unsigned status; /* HTTP status */
    enum tr_body kind;
    struct buf body;      /* TEXT, HTML, JSON, METRICS */
    struct buf location;  /* 302: the destination, ready for the header */
    const char *allow;    /* 405: the Allow header */
    bool bearer;          /* 401: add WWW-Authenticate: Bearer */
    unsigned retry_after; /* 429, 503: seconds (0: no header) */
    struct tr_job *job;   /* NULL, or the rest of the work (freed with the reply) */
    bool must_sync;       /* a job appended records up to sync_seq itself: */
    uint64_t sync_seq;    /* the reply goes out once they are durable */
};

/* What must be on disk before the reply goes out: encoded records (lib/record.h). */
struct tr_record {
    struct buf *recs;
    size_t n, cap;
};

/* An endpoint: 0 with `rp` (and maybe `rec`) filled, -1 on an internal failure (500). */
typedef int (*tr_endpoint)(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
                           struct tr_record *rec);

void tr_reply_init(struct tr_reply *rp);
void tr_reply_free(struct tr_reply *rp);

/* Plain answers. */
void tr_reply_not_found(struct tr_reply *rp);
void tr_reply_status_text(struct tr_reply *rp, unsigned status, const char *text);

/* Move one encoded record into `rec` (`encoded` is left empty); false on out of memory. */
bool tr_record_take(struct tr_record *rec, struct buf *encoded);
void tr_record_free(struct tr_record *rec);

#endif
