/*
 * schema.c - apply numbered migrations (see schema.h)
 *
 * Bookkeeping: one row per applied migration with the SHA-256 of its text.
 * The whole run holds a session advisory lock so two `tern migrate` started
 * together cannot interleave; each migration commits on its own.
 */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "db.h"

#define MIGRATE_LOCK_KEY "7412100" /* arbitrary, constant: "tern" migrations */

static const char bookkeeping_sql[] = "CREATE SCHEMA IF NOT EXISTS tern;"
                                      "CREATE TABLE IF NOT EXISTS tern.schema_migrations ("
                                      "  version    int PRIMARY KEY,"
                                      "  name       text NOT NULL,"
                                      "  checksum   text NOT NULL,"
                                      "  applied_at timestamptz NOT NULL DEFAULT now())";

static void
checksum(const char *sql, char hex[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(sql, strlen(sql), md, &len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", md[i]);
}

/* Line of a 1-based character position reported by the server. */
static int
line_of(const char *sql, const char *pos)
{
    long at = strtol(pos, NULL, 10);
    int line = 1;
    for (long i = 0; i < at - 1 && sql[i]; i++)
        line += sql[i] == '\n';
    return line;
}

int
schema_version(PGconn *conn, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, "SELECT coalesce(max(version), 0) FROM tern.schema_migrations");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        bool missing = state && (!strcmp(state, "42P01") || !strcmp(state, "3F000"));
        if (!missing) db_error(conn, res, err, errlen);
        PQclear(res);
        return missing ? 0 : -1; /* no bookkeeping table yet: never migrated */
    }
    int v = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

/* Applied migrations must be the ones we ship, byte for byte. */
static int
check_applied(PGconn *conn, const struct schema_migration *list, size_t n, char *err, size_t errlen)
{
    PGresult *res =
        PQexec(conn, "SELECT version, name, checksum FROM tern.schema_migrations ORDER BY version");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        db_error(conn, res, err, errlen);
        PQclear(res);
        return -1;
    }
    int current = 0, known = n ? list[n - 1].version : 0;
    for (int r = 0; r < PQntuples(res); r++) {
        int v = atoi(PQgetvalue(res, r, 0));
        current = v;
        if (v > known) {
            snprintf(err, errlen,
                     "the database schema is at version %d but this tern knows only up to %d: "
                     "upgrade tern before using it with this database",
                     v, known);
            current = -1;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            char hex[65];
            if (list[i].version != v) continue;
            checksum(list[i].sql, hex);
            if (strcmp(hex, PQgetvalue(res, r, 2)) != 0) {
                snprintf(err, errlen,
                         "migration %s was changed after it was applied (checksum mismatch); "
                         "add a new migration instead of editing a shipped one",
                         PQgetvalue(res, r, 1));
                current = -1;
            }
        }
        if (current < 0) break;
    }
    PQclear(res);
    return current;
}

static bool
apply_one(PGconn *conn, const struct schema_migration *m, int from, char *err, size_t errlen)
{
    char why[1024], hex[65], version[16];
    if (!db_exec(conn, "BEGIN", err, errlen)) return false;
    /* An index over tens of millions of events takes minutes, not database.statement_timeout.
     * And "applied" must survive a crash right after it, whatever the server's default: the
     * daemons started next trust the version they read. */
    if (!db_exec(conn, "SET LOCAL statement_timeout = 0; SET LOCAL synchronous_commit = on", err,
                 errlen)) {
        db_exec(conn, "ROLLBACK", why, sizeof why);
        return false;
    }
    PGresult *res = PQexec(conn, m->sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
        const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
        char where[32] = ""; /* the server gives a position for syntax errors only */
        if (pos) snprintf(where, sizeof where, " at line %d", line_of(m->sql, pos));
        snprintf(err, errlen, "migration %s failed%s: %s (schema stays at version %d)", m->name,
                 where, db_error(conn, res, why, sizeof why), from);
        PQclear(res);
        db_exec(conn, "ROLLBACK", why, sizeof why);
        return false;
    }
    PQclear(res);
    checksum(m->sql, hex);
    snprintf(version, sizeof version, "%d", m->version);
    const char *params[] = {version, m->name, hex};
    res = PQexecParams(
        conn, "INSERT INTO tern.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", 3,
        NULL, params, NULL, NULL, 0);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) db_error(conn, res, err, errlen);
    PQclear(res);
    if (ok && db_exec(conn, "COMMIT", err, errlen)) return true;
    db_exec(conn, "ROLLBACK", why, sizeof why);
    return false;
}

int
schema_migrate(PGconn *conn, const struct schema_migration *list, size_t n, struct buf *log,
               char *err, size_t errlen)
{
    char why[256];
    /* The whole run, not only each migration: waiting for another tern migrate's lock and the
     * bookkeeping take as long as they take too (the session's own value comes back after). */
    if (!db_exec(conn,
                 "SELECT set_config('tern.saved_timeout', current_setting('statement_timeout'),"
                 " false), set_config('statement_timeout', '0', false)",
                 err, errlen))
        return -1;
    if (!db_exec(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", err, errlen)) return -1;
    int version = db_exec(conn, bookkeeping_sql, err, errlen)
                      ? check_applied(conn, list, n, err, errlen)
                      : -1;
    for (size_t i = 0; version >= 0 && i < n; i++) {
        if (list[i].version <= version) continue;
        if (!apply_one(conn, &list[i], version, err, errlen)) {
            version = -1;
            break;
        }
        buf_printf(log, "applied %s\n", list[i].name);
        version = list[i].version;
    }
    db_exec(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", why, sizeof why);
    db_exec(conn,
            "SELECT set_config('statement_timeout', current_setting('tern.saved_timeout'), false)",
            why, sizeof why);
    return version;
}

int
schema_ensure_partitions(PGconn *conn, bool wait, char *err, size_t errlen)
{
    char why[256];
    if (!db_exec(conn, "BEGIN", err, errlen)) return -1;
    PGresult *res = NULL;
    bool ok = db_exec(conn, "SET LOCAL statement_timeout = 0", err, errlen);
    if (ok && wait)
        ok = db_exec(conn, "SELECT pg_advisory_xact_lock(hashtext('tern.ensure_event_partitions'))",
                     err, errlen);
    if (ok && !wait) {
        res = PQexec(conn,
                     "SELECT pg_try_advisory_xact_lock(hashtext('tern.ensure_event_partitions'))");
        ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        if (!ok) db_error(conn, res, err, errlen);
        bool mine = ok && PQgetvalue(res, 0, 0)[0] == 't';
        PQclear(res);
        res = NULL;
        if (ok && !mine) { /* another process is at it: its work is this one's too */
            db_exec(conn, "ROLLBACK", why, sizeof why);
            return 0;
        }
    }
    if (ok) {
        res = PQexec(conn, "SELECT tern.ensure_event_partitions()");
        ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        if (!ok) db_error(conn, res, err, errlen);
    }
    int created = ok ? atoi(PQgetvalue(res, 0, 0)) : -1;
    PQclear(res);
    if (ok && db_exec(conn, "COMMIT", err, errlen)) return created;
    db_exec(conn, "ROLLBACK", why, sizeof why);
    return -1;
}
