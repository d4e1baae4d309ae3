/*
 * schema.h - versioned, transactional schema migrations
 *
 * Owns: the `tern.schema_migrations` bookkeeping table and the rules for
 * applying migrations: each runs in its own transaction together with its
 * bookkeeping row, so a failure leaves the schema at the previous version;
 * an applied migration whose text changed, or a database newer than this
 * binary, is refused; concurrent runs serialize on an advisory lock.
 * The migrations themselves live in sql/ and are compiled in.
 * Depends on: libpq, OpenSSL (checksums), lib/buf.
 */
#ifndef TERN_SCHEMA_H
#define TERN_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "buf.h"

struct schema_migration {
    int version;      /* from the file name: 0004_journeys.sql -> 4 */
    const char *name; /* "0004_journeys" */
    const char *sql;
};

/* The migrations shipped with this binary, in order (sql/migrations.c). */
extern const struct schema_migration schema_migrations[];
extern const size_t schema_nmigrations;

/*
 * Bring the database up to the last of `list`. Appends a line per applied
 * migration to `log` ("applied 0002_events"). Returns the schema version
 * afterwards, or -1 with `err` filled:
 *   "migration 0003_messages failed at line 12: ERROR: ... (schema stays at version 2)"
 * (the line is known for syntax errors; the server reports no position for others)
 */
int schema_migrate(PGconn *conn, const struct schema_migration *list, size_t n, struct buf *log,
                   char *err, size_t errlen);

/* The version the database is at (0: never migrated), or -1 with `err`. */
int schema_version(PGconn *conn, char *err, size_t errlen);

/*
 * Create the events' partitions for this month and the next three
 * (tern.ensure_event_partitions, sql/0002), moving rows of such a month
 * out of the default partition, in a transaction of its own with no
 * statement time-out; one caller at a time across processes. `tern
 * migrate` waits for its turn; with `wait` false (every journey-running
 * engine, hourly) a caller whose turn it is not returns 0 at once rather
 * than hold up its round. The number created, or -1 with `err`.
 */
int schema_ensure_partitions(PGconn *conn, bool wait, char *err, size_t errlen);

#endif
