/*
 * en_pg.c - the PostgreSQL store's shared parts: queries, history, reads
 *
 * Everything here runs in the caller's transaction and only reads.
 * Parameters are always bound, never spliced into SQL.
 */
#include "en_pg_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "en_time.h"
#include "jsonr.h"

#define LOG_MODULE "engine"
#include "log.h"

PGresult *
en_pg_query(PGconn *conn, const char *sql, int n, const char *const *params, char *err,
            size_t errlen)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(res);
    if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) return res;
    char why[512];
    snprintf(err, errlen, "%s", db_error(conn, res, why, sizeof why));
    PQclear(res);
    return NULL;
}

int
en_pg_cmd(PGconn *conn, const char *sql, int n, const char *const *params, char *err, size_t errlen)
{
    PGresult *res = en_pg_query(conn, sql, n, params, err, errlen);
    PQclear(res);
    return res ? 0 : -1;
}

void
en_pg_rollback(PGconn *conn)
{
    PQclear(PQexec(conn, "ROLLBACK")); /* a broken connection rolls back by itself */
}

int
en_pg_commit(PGconn *conn, char *err, size_t errlen)
{
    return db_exec(conn, "COMMIT", err, errlen) ? 0 : -1;
}

int64_t
en_pg_backoff(int attempts)
{
    int64_t s = 60;
    for (int i = 1; i < attempts && s < 6 * 3600; i++)
        s *= 2;
    return s < 6 * 3600 ? s : 6 * 3600;
}

const struct lh_journey_info *
en_pg_journey(const struct lh_reg *reg, const char *name)
{
    for (size_t i = 0; i < reg->njourneys; i++)
        if (strcmp(reg->journeys[i].name, name) == 0) return &reg->journeys[i];
    return NULL;
}

/* ---- c:count and c:in_segment ---- */

/* A script's read runs inside the batch's transaction. Under a savepoint of
 * its own, a read PostgreSQL refuses (a statement timeout, an out-of-range
 * time) is the soft "nil, err" the script sees, not an aborted transaction
 * that would fail the whole batch and park the enrollment. */
static PGresult *
store_read(PGconn *conn, const char *sql, int n, const char *const *params, char *err,
           size_t errlen)
{
    if (en_pg_cmd(conn, "SAVEPOINT store_read", 0, NULL, err, errlen) < 0) return NULL;
    PGresult *res = en_pg_query(conn, sql, n, params, err, errlen);
    char why[256];
    const char *undo = res ? "RELEASE SAVEPOINT store_read"
                           : "ROLLBACK TO SAVEPOINT store_read; RELEASE SAVEPOINT store_read";
    if (db_exec(conn, undo, why, sizeof why)) return res;
    if (res) snprintf(err, errlen, "%s", why); /* the transaction is lost: say why */
    PQclear(res);
    return NULL;
}

/* The Unix seconds a timestamptz can hold (4714 BC to 294276 AD). */
#define PG_FIRST_SECOND (-210866803200LL)
#define PG_LAST_SECOND  9224318015999LL

static int
store_count(void *ctx, const char *type, int64_t since, int64_t *n, char *err, size_t errlen)
{
    struct en_pg_store *s = ctx;
    /* Past the last time PostgreSQL knows no event can be; before its first, every event is:
     * what the in-memory store of tern simulate answers for the same script. */
    if (since > PG_LAST_SECOND) {
        *n = 0;
        return 0;
    }
    if (since < PG_FIRST_SECOND) since = INT64_MIN;
    char at[24];
    snprintf(at, sizeof at, "%" PRId64, since);
    const char *p[] = {s->contact_id, type, since == INT64_MIN ? NULL : at}; /* NULL: ever */
    PGresult *res = store_read(s->conn,
                               "SELECT count(*) FROM events WHERE contact_id = $1 AND type = $2"
                               " AND ($3::bigint IS NULL OR occurred_at >= to_timestamp($3))",
                               3, p, err, errlen);
    if (!res) return -1;
    *n = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

static int
store_in_segment(void *ctx, const char *name, bool *member, char *err, size_t errlen)
{
    struct en_pg_store *s = ctx;
    bool defined = false;
    for (size_t i = 0; s->reg && !defined && i < s->reg->nsegments; i++)
        defined = strcmp(s->reg->segments[i].name, name) == 0;
    if (s->reg && !defined) { /* a misspelt name would be false for every contact */
        snprintf(err, errlen, "c:in_segment: no segment \"%.64s\" in the scripts", name);
        return EN_STORE_SCRIPT_ERROR;
    }
    const char *p[] = {s->contact_id, name};
    PGresult *res = store_read(s->conn,
                               "SELECT EXISTS (SELECT 1 FROM segment_memberships WHERE"
                               " contact_id = $1 AND segment = $2 AND left_at IS NULL)",
                               2, p, err, errlen);
    if (!res) return -1;
    *member = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return 0;
}

static const struct en_store_ops store_ops = {store_count, store_in_segment};

struct en_store
en_pg_store(struct en_pg_store *ctx)
{
    return (struct en_store){&store_ops, ctx};
}

json_t *
en_pg_event_json(const char *type, const char *epoch, const char *data)
{
    char at[32];
    en_time_format(atoll(epoch), at, sizeof at);
    json_error_t jerr;
    json_t *d = jsonr_loads(data, 0, &jerr);
    if (!d) { /* jsonb that jansson cannot hold even so (a real beyond a double) */
        log_warn(NULL, "a %s event's data is not readable (%s): the step sees it empty", type,
                 jerr.text);
        d = json_object();
    }
    return json_pack("{s:s, s:s, s:o}", "type", type, "at", at, "data", d);
}
