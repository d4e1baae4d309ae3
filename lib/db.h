/*
 * db.h - PostgreSQL connections: one-off connections and a thread-safe pool
 *
 * Owns: connection setup (statement timeout, search_path = tern, an
 * application name so DBAs see who is connected), the pool of connections a
 * daemon shares between its threads, reconnect with back-off, and turning
 * libpq's multi-line errors into one clear line.
 * Depends on: libpq, lib/buf. Knows nothing about what the queries mean.
 */
#ifndef TERN_DB_H
#define TERN_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

struct db_settings {
    const char *url;              /* libpq URI or key=value string */
    const char *app_name;         /* e.g. "tern milter" */
    int64_t statement_timeout_ms; /* 0: server default */
    int64_t connect_timeout_ms;   /* 0: libpq default */
};

/*
 * Open one connection and prepare it (statement timeout, search path).
 * Returns NULL and fills `err` with a one-line reason:
 *   "cannot connect to PostgreSQL: connection to server on socket ... failed: ..."
 */
PGconn *db_connect(const struct db_settings *s, char *err, size_t errlen);

/* A second session like `conn`: its connection parameters, and the settings it made
 * for its session (`settings`: the rows of "SELECT name, setting FROM pg_settings
 * WHERE source = 'session'" on conn). NULL when it cannot be opened. */
PGconn *db_clone(PGconn *conn, const PGresult *settings);

struct db_pool;

/* Create a pool of `size` connections. The first is opened now, so a
 * daemon started against a database that is down says so at once. */
struct db_pool *db_pool_new(const struct db_settings *s, int size, char *err, size_t errlen);

/*
 * Lease a connection, waiting up to `wait_ms` for one to be free.
 * Broken connections are reopened; while the server is unreachable, leases
 * fail fast until the back-off (0.1 s doubling to 30 s) has passed, so a
 * dead database is not hammered. Returns NULL with the reason in `err`.
 */
PGconn *db_lease(struct db_pool *p, int64_t wait_ms, char *err, size_t errlen);

/* Return a leased connection. One left broken or inside a transaction is
 * closed and reopened on a later lease, never handed out dirty. */
void db_release(struct db_pool *p, PGconn *conn);

void db_pool_free(struct db_pool *p);

/* One-line text of the error in `res` (or the connection's last error). */
const char *db_error(PGconn *conn, const PGresult *res, char *buf, size_t len);

/* Run a command without parameters or results. False with `err` filled. */
bool db_exec(PGconn *conn, const char *sql, char *err, size_t errlen);

struct buf;

/* Append the `n` bytes at `s` as one field of COPY's text format, without the delimiter. */
bool db_copy_text(struct buf *b, const char *s, size_t n);

/* The same for a C string; NULL is SQL NULL (\N). */
bool db_copy_field(struct buf *b, const char *s);

/*
 * Run `sql` (a COPY ... FROM STDIN) with the `len` bytes at `data`, rows of
 * COPY text, as its input. False with `err` when the server refused the
 * command or a row.
 */
bool db_copy_in(PGconn *conn, const char *sql, const char *data, size_t len, char *err,
                size_t errlen);

#endif
