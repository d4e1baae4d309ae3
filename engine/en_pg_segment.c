/*
 * en_pg_segment.c - one segment's refresh: lock, evaluate, write the diff (see en_seg.h)
 *
 * 1. pg_try_advisory_lock on the segment's name (session level: it spans
 *    the evaluation and the write, which are separate transactions);
 * 2. the mark: the start of the oldest transaction running now (or now),
 *    the next EN_SEG_CHANGED refresh's `since`;
 * 3. the evaluation (en_pg_segsql.c, en_pg_seglua.c) into a diff held here;
 * 4. one transaction: the diff COPYed into the temporary table seg_diff,
 *    memberships inserted (where not a current member: the unique
 *    current-member index keeps it once) and ended (only rows still
 *    current), an event per row actually changed, the segment's row.
 * A failure rolls back, records last_error and failed_at, and unlocks.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "en_pg_int.h"
#include "en_seg_int.h"

void
en_seg_diff_add(struct en_seg_diff *d, const char *contact_id, bool joins)
{
    d->oom |= !buf_puts(&d->copy, contact_id) || !buf_puts(&d->copy, joins ? "\tt\n" : "\tf\n");
    if (joins)
        d->joins++;
    else
        d->leaves++;
}

/* The segment's lock key: one per name, shared by every engine and `tern segment`. */
static int
lock(PGconn *conn, const char *name, bool take, char *err, size_t errlen)
{
    const char *p[] = {name};
    PGresult *res =
        en_pg_query(conn,
                    take ? "SELECT pg_try_advisory_lock(hashtextextended('tern segment ' || $1, 0))"
                         : "SELECT pg_advisory_unlock(hashtextextended('tern segment ' || $1, 0))",
                    1, p, err, errlen);
    if (!res) return -1;
    int got = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return got;
}

/* The mark and the segment's checked_at (NULL: never evaluated). */
static int
mark(PGconn *conn, const char *name, char *at, size_t atlen, char **since, char *err, size_t errlen)
{
    const char *p[] = {name};
    PGresult *res = en_pg_query(
        conn,
        "SELECT least(statement_timestamp(), (SELECT min(xact_start) FROM pg_stat_activity"
        "  WHERE datname = current_database() AND pid <> pg_backend_pid()))::text,"
        " (SELECT checked_at::text FROM segments WHERE name = $1)",
        1, p, err, errlen);
    if (!res) return -1;
    snprintf(at, atlen, "%s", PQgetvalue(res, 0, 0));
    *since = PQgetisnull(res, 0, 1) ? NULL : strdup(PQgetvalue(res, 0, 1));
    PQclear(res);
    return 0;
}

const char *
en_seg_definition(const struct lh_segment_info *seg, char *buf, size_t buflen)
{
    if (seg->sql) return seg->sql;
    snprintf(buf, buflen, "where function at %s:%d", seg->file, seg->line);
    return buf;
}

static int
upsert_row(PGconn *conn, const struct lh_segment_info *seg, char *err, size_t errlen)
{
    char def[320], file[320];
    snprintf(file, sizeof file, "%s:%d", seg->file, seg->line);
    const char *p[] = {seg->name, seg->tenant, seg->sql ? "sql" : "lua",
                       en_seg_definition(seg, def, sizeof def), file};
    return en_pg_cmd(conn,
                     "INSERT INTO segments (name, tenant, kind, definition, file)"
                     " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET"
                     " tenant = EXCLUDED.tenant, kind = EXCLUDED.kind,"
                     " definition = EXCLUDED.definition, file = EXCLUDED.file",
                     5, p, err, errlen);
}

static int
copy_diff(PGconn *conn, const struct en_seg_diff *d, char *err, size_t errlen)
{
    if (!db_exec(conn,
                 "CREATE TEMP TABLE IF NOT EXISTS seg_diff (contact_id bigint NOT NULL,"
                 " joins bool NOT NULL) ON COMMIT DELETE ROWS",
                 err, errlen))
        return -1;
    PGresult *res = PQexec(conn, "COPY seg_diff FROM STDIN");
    bool ok = PQresultStatus(res) == PGRES_COPY_IN;
    PQclear(res);
    ok = ok && (!d->copy.len || PQputCopyData(conn, d->copy.data, (int)d->copy.len) == 1);
    ok = PQputCopyEnd(conn, ok ? NULL : "diff not sent") == 1 && ok;
    res = PQgetResult(conn);
    ok = ok && PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) db_error(conn, res, err, errlen);
    PQclear(res);
    while ((res = PQgetResult(conn)))
        PQclear(res);
    return ok ? 0 : -1;
}

/*
 * A version 7 UUID (RFC 9562: the Unix milliseconds, then random bits), as
 * lib/uuid makes them: event ids of one refresh then sort by time, so the
 * events' primary key grows at its right edge instead of everywhere.
 */
#define EVENT_ID_V7                                                                                \
    "encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing"                          \
    " substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)"          \
    " FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid"

/*
 * Memberships and their events from seg_diff: the rows actually changed.
 * A join is inserted only where the contact is not a current member (the
 * advisory lock keeps other refreshes of the segment away; the unique
 * current-member index refuses a double even without it) and the contact
 * still exists; a leave ends only a current membership. Plain INSERT with
 * NOT EXISTS: ON CONFLICT's speculative insertion costs three times as
 * much per row. In contact order, so the indexes fill in order.
 */
static const char apply_sql[] =
    "WITH joined AS (INSERT INTO segment_memberships (contact_id, segment)"
    "  SELECT c.id, $1 FROM seg_diff d JOIN contacts c ON c.id = d.contact_id"
    "   WHERE d.joins AND NOT EXISTS (SELECT 1 FROM segment_memberships m"
    "    WHERE m.segment = $1 AND m.contact_id = d.contact_id AND m.left_at IS NULL)"
    "   ORDER BY c.id RETURNING contact_id),"
    " gone AS (UPDATE segment_memberships m SET left_at = now() FROM seg_diff d"
    "  WHERE NOT d.joins AND m.contact_id = d.contact_id AND m.segment = $1 AND m.left_at IS NULL"
    "  RETURNING m.contact_id),"
    " ev AS (INSERT INTO events (id, contact_id, type, occurred_at, source, data)"
    "  SELECT " EVENT_ID_V7 ", contact_id, t, now(), 'engine', $2::jsonb"
    "  FROM (SELECT contact_id, '" EN_SEGMENT_ENTERED "' AS t FROM joined UNION ALL"
    "        SELECT contact_id, '" EN_SEGMENT_LEFT "' FROM gone) x ORDER BY contact_id"
    "  RETURNING type)"
    " SELECT count(*) FILTER (WHERE type = '" EN_SEGMENT_ENTERED "'),"
    " count(*) FILTER (WHERE type = '" EN_SEGMENT_LEFT "') FROM ev";

static int
apply(PGconn *conn, const char *name, struct en_seg_stats *out, char *err, size_t errlen)
{
    json_t *data = json_pack("{s:s}", "segment", name);
    char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
    json_decref(data);
    const char *p[] = {name, text};
    PGresult *res = text ? en_pg_query(conn, apply_sql, 2, p, err, errlen) : NULL;
    if (!text) snprintf(err, errlen, "out of memory");
    free(text);
    if (!res) return -1;
    out->entered = atoll(PQgetvalue(res, 0, 0));
    out->left = atoll(PQgetvalue(res, 0, 1));
    PQclear(res);
    return 0;
}

/* The row after a refresh: checked (and refreshed, when full) as of the mark, members counted. */
static int
finish_row(PGconn *conn, const char *name, const char *at, enum en_seg_scope scope,
           struct en_seg_stats *out, char *err, size_t errlen)
{
    char delta[48];
    snprintf(delta, sizeof delta, "%" PRId64, out->entered - out->left);
    const char *p[] = {name, at, scope == EN_SEG_FULL ? "t" : "f", delta};
    PGresult *res = en_pg_query(
        conn,
        "UPDATE segments SET checked_at = $2::timestamptz, refreshed_at = CASE WHEN $3::bool"
        " THEN $2::timestamptz ELSE refreshed_at END, failed_at = NULL, last_error = NULL,"
        " member_count = CASE WHEN $3::bool THEN (SELECT count(*) FROM segment_memberships"
        "  WHERE segment = $1 AND left_at IS NULL) ELSE member_count + $4::bigint END"
        " WHERE name = $1 RETURNING member_count",
        4, p, err, errlen);
    if (!res) return -1;
    out->members = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

static int
write_diff(PGconn *conn, const struct lh_segment_info *seg, const struct en_seg_diff *d,
           const char *at, enum en_seg_scope scope, struct en_seg_stats *out, char *err,
           size_t errlen)
{
    char begin[64];
    snprintf(begin, sizeof begin, "BEGIN; SET LOCAL statement_timeout = %d", EN_SEG_SQL_TIMEOUT_MS);
    if (!db_exec(conn, begin, err, errlen)) return -1;
    int rc = upsert_row(conn, seg, err, errlen);
    if (rc == 0 && (d->joins || d->leaves)) rc = copy_diff(conn, d, err, errlen);
    if (rc == 0 && (d->joins || d->leaves)) rc = apply(conn, seg->name, out, err, errlen);
    if (rc == 0) rc = finish_row(conn, seg->name, at, scope, out, err, errlen);
    if (rc == 0) rc = en_pg_commit(conn, err, errlen);
    if (rc < 0) en_pg_rollback(conn);
    return rc;
}

/* Keep the failure on the segment's row (best effort: the database may be what failed). */
static void
record_failure(PGconn *conn, const struct lh_segment_info *seg, const char *why)
{
    char ignored[256];
    const char *p[] = {seg->name, why};
    if (upsert_row(conn, seg, ignored, sizeof ignored) == 0)
        en_pg_cmd(conn, "UPDATE segments SET failed_at = now(), last_error = $2 WHERE name = $1", 2,
                  p, ignored, sizeof ignored);
}

static int
evaluate_and_write(PGconn *conn, struct lh_state *st, const struct lh_segment_info *seg,
                   enum en_seg_scope scope, struct en_seg_stats *out, char *err, size_t errlen)
{
    char at[64];
    char *since = NULL;
    if (mark(conn, seg->name, at, sizeof at, &since, err, errlen) < 0) return -1;
    if (scope == EN_SEG_FULL || !since) free(since), since = NULL, scope = EN_SEG_FULL;
    struct en_seg_diff d = {BUF_INIT, 0, 0, false};
    struct en_seg_eval e = {conn, st, seg, since, &d, 0};
    int rc = seg->sql ? en_seg_eval_sql(&e, err, errlen) : en_seg_eval_lua(&e, err, errlen);
    out->evaluated = e.evaluated;
    if (rc == 0) rc = write_diff(conn, seg, &d, at, scope, out, err, errlen);
    buf_free(&d.copy);
    free(since);
    return rc;
}

int
en_seg_refresh(PGconn *conn, struct lh_state *st, const struct lh_segment_info *seg,
               enum en_seg_scope scope, struct en_seg_stats *out, char *err, size_t errlen)
{
    char why[EN_REASON_MAX];
    *out = (struct en_seg_stats){0};
    int got = lock(conn, seg->name, true, err, errlen);
    if (got <= 0) return got < 0 ? -1 : 1;
    int rc = evaluate_and_write(conn, st, seg, scope, out, why, sizeof why);
    if (rc < 0) {
        snprintf(err, errlen, "%s:%d: segment \"%s\": %s", seg->file, seg->line, seg->name, why);
        if (PQstatus(conn) == CONNECTION_OK) record_failure(conn, seg, err);
    }
    char ignored[256];
    if (PQstatus(conn) == CONNECTION_OK) lock(conn, seg->name, false, ignored, sizeof ignored);
    return rc;
}
