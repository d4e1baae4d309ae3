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
#include <time.h>

#include "db.h"
#include "en_pg_int.h"
#include "en_seg_int.h"
#include "token.h"
#include "uuid.h"

/*
 * A row of the diff, with the id of the event it will write if it changes a
 * membership: a version 7 UUID (lib/uuid), so the events of one refresh sort
 * by time and the events' primary key grows at its right edge. Made here:
 * PostgreSQL's gen_random_uuid() and the bit work on it cost 6 us a row.
 */
void
en_seg_diff_add(struct en_seg_diff *d, const char *contact_id, bool joins)
{
    char id[TOK_UUID_STRLEN + 1];
    unsigned char raw[16];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (!uuid_v7(raw, (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000)) {
        d->oom = true;
        return;
    }
    tok_uuid_format(raw, id);
    d->oom |= !buf_puts(&d->copy, contact_id) || !buf_puts(&d->copy, joins ? "\tt\t" : "\tf\t") ||
              !buf_puts(&d->copy, id) || !buf_puts(&d->copy, "\n");
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
copy_diff(PGconn *conn, const char *data, size_t len, char *err, size_t errlen)
{
    if (!db_exec(conn,
                 "CREATE TEMP TABLE IF NOT EXISTS seg_diff (contact_id bigint NOT NULL,"
                 " joins bool NOT NULL, event_id uuid NOT NULL) ON COMMIT DELETE ROWS",
                 err, errlen))
        return -1;
    /* Then statistics for the planner: without them it guesses seg_diff from its pages alone. */
    return db_copy_in(conn, "COPY seg_diff FROM STDIN", data, len, err, errlen) &&
                   db_exec(conn, "ANALYZE seg_diff", err, errlen)
               ? 0
               : -1;
}

/*
 * Memberships and their events from seg_diff: the rows actually changed.
 * A join is inserted only where the contact is not a current member (the
 * advisory lock keeps other refreshes of the segment away; the unique
 * current-member index refuses a double even without it) and the contact
 * still exists; a leave ends only a current membership. Plain INSERT with
 * NOT EXISTS: ON CONFLICT's speculative insertion costs three times as
 * much per row. Memberships in contact order, events in id order (made in
 * the diff's order), so the indexes fill in order.
 */
/*
 * The diff's contacts, as the bounds of an index range: a chunk's
 * memberships are then found among those of its contacts, not among every
 * member of the segment (the planner, its statistics behind the chunks
 * just written, merged with all of them: each chunk read all before it).
 */
#define DIFF_RANGE                                                                                 \
    "(SELECT min(contact_id) FROM seg_diff) AND (SELECT max(contact_id) FROM seg_diff)"

/* A join is taken only for a contact of the segment's tenant, whatever the diff says: the
 * evaluation keeps to the tenant, and this keeps a condition that got past lib/sqlcond from
 * putting another tenant's contacts in. */
static const char apply_sql[] =
    "WITH seg AS (SELECT tenant FROM segments WHERE name = $1),"
    " joined AS (INSERT INTO segment_memberships (contact_id, segment)"
    "  SELECT c.id, $1 FROM seg_diff d JOIN contacts c ON c.id = d.contact_id"
    "   AND c.id BETWEEN " DIFF_RANGE
    "   AND c.tenant = coalesce((SELECT tenant FROM seg), c.tenant)"
    "   WHERE d.joins AND NOT EXISTS (SELECT 1 FROM segment_memberships m"
    "    WHERE m.segment = $1 AND m.contact_id = d.contact_id AND m.left_at IS NULL"
    "     AND m.contact_id BETWEEN " DIFF_RANGE ")"
    "   ORDER BY c.id RETURNING contact_id),"
    " gone AS (UPDATE segment_memberships m SET left_at = now() FROM seg_diff d"
    "  WHERE NOT d.joins AND m.contact_id = d.contact_id AND m.segment = $1 AND m.left_at IS NULL"
    "   AND m.contact_id BETWEEN " DIFF_RANGE "  RETURNING m.contact_id, d.event_id),"
    " ev AS (INSERT INTO events (id, contact_id, type, occurred_at, source, data)"
    "  SELECT event_id, contact_id, t, now(), 'engine', $2::jsonb"
    "  FROM (SELECT d.event_id, j.contact_id, '" EN_SEGMENT_ENTERED "' AS t"
    "         FROM joined j JOIN seg_diff d ON d.contact_id = j.contact_id UNION ALL"
    "        SELECT event_id, contact_id, '" EN_SEGMENT_LEFT "' FROM gone) x ORDER BY event_id"
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

/*
 * The row after a refresh: checked as of the mark (where the next incremental look starts),
 * refreshed now when full. Not refreshed as of the mark: the mark is the oldest open
 * transaction's start, and one session left open for longer than `refresh` would make every
 * round's refresh a full one.
 */
static int
finish_row(PGconn *conn, const char *name, const char *at, enum en_seg_scope scope, int64_t added,
           struct en_seg_stats *out, char *err, size_t errlen)
{
    char delta[48];
    snprintf(delta, sizeof delta, "%" PRId64, added);
    const char *p[] = {name, at, scope == EN_SEG_FULL ? "t" : "f", delta};
    PGresult *res = en_pg_query(
        conn,
        "UPDATE segments SET checked_at = $2::timestamptz, refreshed_at = CASE WHEN $3::bool"
        " THEN statement_timestamp() ELSE refreshed_at END, failed_at = NULL, last_error = NULL,"
        " member_count = CASE WHEN $3::bool THEN (SELECT count(*) FROM segment_memberships"
        "  WHERE segment = $1 AND left_at IS NULL) ELSE member_count + $4::bigint END"
        " WHERE name = $1 RETURNING member_count",
        4, p, err, errlen);
    if (!res) return -1;
    out->members = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

/*
 * BEGIN with the settings of a write: the statement timeout, memory for its
 * sorts, and no JIT (the planner's guesses on seg_diff reach its thresholds,
 * and compiling cost a second per chunk, more than the chunk's write).
 */
static int
begin_write(PGconn *conn, char *err, size_t errlen)
{
    char begin[128];
    snprintf(
        begin, sizeof begin,
        "BEGIN; SET LOCAL statement_timeout = %d; SET LOCAL work_mem = '64MB'; SET LOCAL jit = off",
        EN_SEG_SQL_TIMEOUT_MS);
    return db_exec(conn, begin, err, errlen) ? 0 : -1;
}

static int
commit_or_rollback(PGconn *conn, int rc, char *err, size_t errlen)
{
    if (rc == 0) rc = en_pg_commit(conn, err, errlen);
    if (rc < 0) en_pg_rollback(conn);
    return rc;
}

int
en_seg_write_chunk(PGconn *conn, const char *name, const char *data, size_t len,
                   struct en_seg_stats *out, char *err, size_t errlen)
{
    struct en_seg_stats chunk = {0};
    int rc = begin_write(conn, err, errlen);
    if (rc < 0) return -1;
    rc = copy_diff(conn, data, len, err, errlen);
    if (rc == 0) rc = apply(conn, name, &chunk, err, errlen);
    if (rc == 0) {
        char delta[48];
        snprintf(delta, sizeof delta, "%" PRId64, chunk.entered - chunk.left);
        const char *p[] = {name, delta};
        rc = en_pg_cmd(
            conn, "UPDATE segments SET member_count = member_count + $2::bigint WHERE name = $1", 2,
            p, err, errlen);
    }
    rc = commit_or_rollback(conn, rc, err, errlen);
    if (rc == 0) out->entered += chunk.entered, out->left += chunk.left;
    return rc;
}

/*
 * A diff of more than EN_SEG_CHUNK rows, in chunks of their own transaction
 * (see en_pg_segchunk.c). First the segment's row, with refreshed_at
 * cleared on a full refresh: if the refresh stops half-way, the next round
 * refreshes in full (an incremental one keeps checked_at, so the next looks
 * at the same contacts again) and writes only what is still missing.
 */
static int
write_chunked(PGconn *conn, const struct lh_segment_info *seg, const struct en_seg_diff *d,
              const char *at, enum en_seg_scope scope, struct en_seg_stats *out, char *err,
              size_t errlen)
{
    const char *p[] = {seg->name};
    int rc = begin_write(conn, err, errlen);
    if (rc < 0) return -1;
    rc = upsert_row(conn, seg, err, errlen);
    if (rc == 0 && scope == EN_SEG_FULL)
        rc = en_pg_cmd(conn, "UPDATE segments SET refreshed_at = NULL WHERE name = $1", 1, p, err,
                       errlen);
    rc = commit_or_rollback(conn, rc, err, errlen);
    if (rc == 0) rc = en_seg_write_chunks(conn, seg->name, d, out, err, errlen);
    if (rc == 0) rc = begin_write(conn, err, errlen);
    if (rc < 0) return -1;
    return commit_or_rollback(conn, finish_row(conn, seg->name, at, scope, 0, out, err, errlen),
                              err, errlen);
}

static int
write_diff(PGconn *conn, const struct lh_segment_info *seg, const struct en_seg_diff *d,
           const char *at, enum en_seg_scope scope, struct en_seg_stats *out, char *err,
           size_t errlen)
{
    if (d->joins + d->leaves > EN_SEG_CHUNK)
        return write_chunked(conn, seg, d, at, scope, out, err, errlen);
    if (begin_write(conn, err, errlen) < 0) return -1;
    int rc = upsert_row(conn, seg, err, errlen);
    if (rc == 0 && (d->joins || d->leaves))
        rc = copy_diff(conn, d->copy.data, d->copy.len, err, errlen);
    if (rc == 0 && (d->joins || d->leaves)) rc = apply(conn, seg->name, out, err, errlen);
    if (rc == 0)
        rc = finish_row(conn, seg->name, at, scope, out->entered - out->left, out, err, errlen);
    return commit_or_rollback(conn, rc, err, errlen);
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
    struct en_seg_diff d = {.copy = BUF_INIT};
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
