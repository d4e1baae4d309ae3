/*
 * server.h - the tracker's HTTP server on libmicrohttpd
 *
 * Owns: the libmicrohttpd daemon (epoll, an internal thread pool, turbo
 * mode), the life of one request (headers, bounded body, dispatch to its
 * endpoint, suspend while its records are made durable, answer), the
 * static answers (404 page, pixel) and the headers every answer carries.
 * The only code in track/ that knows libmicrohttpd.
 *
 * A request is answered on the second call of the access handler, never
 * the first (which only sees headers): libmicrohttpd is 3-4x slower
 * otherwise. A request that must be recorded is suspended
 * (MHD_suspend_connection) until the spool's group commit covers its
 * records and resumed from the sync thread, so no pool thread ever waits
 * for a disk. Answers: HTTP/1.1 with keep-alive; HEAD like GET without a
 * body; bodies over track.max_body get 413, headers over HEADER_LIMIT are
 * refused by libmicrohttpd; wrong methods get 405 with Allow.
 *
 * Depends on: libmicrohttpd, lib/spool, lib/spool_drain, lib/log,
 * track/{route,exchange,endpoints,gen,listen,metrics,tlscreds}.
 *
 * THREADS
 *     tr_server_publish() may be called from any thread (the reloader).
 *
 * DIAGNOSTICS
 *     tr_server_start() fails with "listen ...: reason", "track.tls_cert
 *     PATH: cannot read: reason", tlscreds.h's errors for a certificate or
 *     key GnuTLS refuses, or "cannot start the HTTP server on ...". At run
 *     time: "warning: track: <ip>: spool full, answering 503" and
 *     libmicrohttpd's own messages at warning.
 */
#ifndef TERN_TRACK_SERVER_H
#define TERN_TRACK_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen.h"

#define TR_HEADER_LIMIT (32 * 1024) /* request line + headers, per connection */

struct tr_server_opts {
    const char *listen;       /* track.listen */
    unsigned threads;         /* pool threads */
    unsigned max_connections; /* over all threads */
    size_t max_body;          /* bytes */
    unsigned idle_timeout_s;  /* keep-alive connections idle this long are closed */
    const char *tls_cert;     /* PEM files: serve HTTPS (TLS 1.2 and 1.3); NULL: plain HTTP */
    const char *tls_key;
};

struct tr_server;

/* Listen and serve with `g` (the server takes a reference). */
struct tr_server *tr_server_start(const struct tr_server_opts *o, struct tr_gen *g, char *err,
                                  size_t errlen);

/* The address actually listened on ("127.0.0.1:8080", "unix:/run/tern/track.sock"). */
const char *tr_server_address(const struct tr_server *s);

/* Serve new requests with `g` (a reference is taken); requests in flight keep theirs. */
void tr_server_publish(struct tr_server *s, struct tr_gen *g);

/*
 * Serve the PEM files `cert` and `key` to new TLS connections from now on, if they say
 * something else than what is served (tlscreds.h: connections already open keep theirs).
 * 1 the new pair is served, 0 nothing changed, -1 with err and the old pair still served, 2
 * a switch between plain HTTP and HTTPS, which needs a restart (nothing changed).
 */
int tr_server_reload_tls(struct tr_server *s, const char *cert, const char *key, char *err,
                         size_t errlen);

/* When the certificate served to new connections expires (Unix s); 0 plain HTTP, -1 when its
 * date cannot be read. */
int64_t tr_server_cert_expiry(const struct tr_server *s);

/*
 * Answer new requests 503 (with Connection: close), let suspended requests
 * finish (up to `grace_ms`), stop:
 * true. false when requests still wait (for the spool or PostgreSQL) at the
 * deadline: the server is then left running, since libmicrohttpd aborts
 * the process when stopped with suspended connections, and their worker or
 * sync callbacks would come after it; the caller exits without freeing
 * what its threads use. NULL is allowed.
 */
bool tr_server_stop(struct tr_server *s, unsigned grace_ms);

#endif
