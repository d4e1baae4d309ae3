/*
 * en_pg_shard.c - the intake's shards: which cursor a batch takes, and
 * changing their number (sql/0018)
 *
 * Shard k of n takes in the events of the contacts with contact_id % n = k,
 * each behind its own cursor row, so engines take events in side by side
 * (FOR UPDATE SKIP LOCKED on the row) while each contact's events stay in
 * one shard, in order. A batch takes the free shard advanced longest ago,
 * so one engine alone goes round all of them.
 *
 * Changing n must not hand an event to two shards or to none: a request
 * (en_pg_shard_request) sets a horizon B on every row, the pg_snapshot_xmin
 * of its transaction. Below B, every event is settled and the old shards
 * take it; a shard reads nothing at or above B. Once every old shard has
 * passed everything below B, the first engine to hold them all replaces
 * them by n' shards that start right below B (en_pg_shard_swap).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "en_pg_int.h"

#define LOG_MODULE "engine"
#include "log.h"

/* Right below `xid`, past every id: every event of an earlier transaction was handled. */
#define BELOW(xid) "((" xid "::text::numeric - 1)::text)::xid8"
#define LAST_ID    "'ffffffff-ffff-ffff-ffff-ffffffffffff'"

static void
copy(char *dst, size_t len, PGresult *res, int col)
{
    snprintf(dst, len, "%s", PQgetisnull(res, 0, col) ? "" : PQgetvalue(res, 0, col));
}

int
en_pg_shard_lock(PGconn *conn, struct en_pg_shard *sh, char *err, size_t errlen)
{
    char skip[EN_PG_SHARDS_MAX * 4 + 3] = "{", want[16] = "";
    for (int i = 0; i < sh->nskip; i++)
        snprintf(skip + strlen(skip), sizeof skip - strlen(skip), "%s%d", i ? "," : "",
                 sh->skip[i]);
    strcat(skip, "}");
    if (sh->want >= 0) snprintf(want, sizeof want, "%d", sh->want);
    const char *p[] = {skip, *want ? want : NULL};
    /* Bitmap scans and JIT off for the batch's transaction; sequential scans, sorts and
     * parallel plans off for its read of events, which sets them back: see en_pg_intake.c. */
    PGresult *res = en_pg_query(
        conn,
        "SELECT shard, shards, last_xid, last_id,"
        " least(pg_snapshot_xmin(pg_current_snapshot()), reshard_below), reshard_below,"
        " set_config('enable_bitmapscan', 'off', true), set_config('jit', 'off', true),"
        " set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true),"
        " set_config('max_parallel_workers_per_gather', '0', true)"
        " FROM engine_cursor WHERE name = 'intake' AND shard <> ALL($1::int[])"
        " AND ($2::int IS NULL OR shard = $2::int)"
        " ORDER BY updated_at, shard LIMIT 1 FOR UPDATE SKIP LOCKED",
        2, p, err, errlen);
    if (!res) return -1;
    sh->locked = PQntuples(res) == 1;
    if (sh->locked) {
        sh->shard = atoi(PQgetvalue(res, 0, 0));
        sh->shards = atoi(PQgetvalue(res, 0, 1));
        copy(sh->last_xid, sizeof sh->last_xid, res, 2);
        copy(sh->last_id, sizeof sh->last_id, res, 3);
        copy(sh->horizon, sizeof sh->horizon, res, 4);
        sh->resharding = !PQgetisnull(res, 0, 5);
    }
    PQclear(res);
    return sh->locked ? 1 : 0;
}

int
en_pg_shard_advance(PGconn *conn, const struct en_pg_shard *sh, const char *xid, const char *id,
                    char *err, size_t errlen)
{
    char shard[16];
    snprintf(shard, sizeof shard, "%d", sh->shard);
    if (xid) {
        const char *p[] = {xid, id, shard};
        return en_pg_cmd(conn,
                         "UPDATE engine_cursor SET last_xid = $1, last_id = $2, updated_at = now()"
                         " WHERE name = 'intake' AND shard = $3",
                         3, p, err, errlen);
    }
    const char *p[] = {sh->horizon, shard};
    return en_pg_cmd(conn,
                     "UPDATE engine_cursor SET last_xid = " BELOW(
                         "$1::xid8") ", last_id = " LAST_ID
                                     ", updated_at = now() WHERE name = 'intake' AND shard = $2"
                                     " AND $1::xid8 > '0'::xid8",
                     2, p, err, errlen);
}

int
en_pg_shard_request(PGconn *conn, int shards, char *err, size_t errlen)
{
    if (shards < 1 || shards > EN_PG_SHARDS_MAX) {
        snprintf(err, errlen, "intake shards: %d is not between 1 and %d", shards,
                 EN_PG_SHARDS_MAX);
        return -1;
    }
    char n[16];
    snprintf(n, sizeof n, "%d", shards);
    const char *p[] = {n};
    /* One horizon for every row (a second request keeps the first one's): the rows a running
     * batch holds are waited for. */
    PGresult *res = en_pg_query(
        conn,
        "WITH b AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS below)"
        " UPDATE engine_cursor c SET reshard_to = $1::int,"
        " reshard_below = coalesce(c.reshard_below, b.below) FROM b"
        " WHERE c.name = 'intake' AND (c.shards <> $1::int OR c.reshard_to IS NOT NULL)",
        1, p, err, errlen);
    if (!res) return -1;
    int changed = atoi(PQcmdTuples(res));
    PQclear(res);
    return changed > 0 ? 1 : 0;
}

int
en_pg_shard_swap(PGconn *conn, char *err, size_t errlen)
{
    if (en_pg_cmd(conn, "BEGIN", 0, NULL, err, errlen) < 0) return -1;
    /* Every row held by this transaction, every one past everything below the horizon. */
    PGresult *res = en_pg_query(conn,
                                "SELECT count(*) = max(shards) AND bool_and(last_xid = " BELOW(
                                    "reshard_below") " AND last_id = " LAST_ID
                                                     "), max(reshard_to), max(reshard_below::text)"
                                                     " FROM (SELECT * FROM engine_cursor WHERE "
                                                     "name = 'intake' AND reshard_to IS NOT NULL"
                                                     " FOR UPDATE SKIP LOCKED) c",
                                0, NULL, err, errlen);
    if (!res) {
        en_pg_rollback(conn);
        return -1;
    }
    bool ready = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    char to[16], below[32];
    copy(to, sizeof to, res, 1);
    copy(below, sizeof below, res, 2);
    PQclear(res);
    const char *p[] = {to, below};
    int rc = !ready ? 0
             : en_pg_cmd(conn, "DELETE FROM engine_cursor WHERE name = 'intake'", 0, NULL, err,
                         errlen) < 0
                 ? -1
             : en_pg_cmd(conn,
                         "INSERT INTO engine_cursor (name, shard, shards, last_xid, last_id)"
                         " SELECT 'intake', s, $1::int, " BELOW(
                             "$2::xid8") ", " LAST_ID " FROM generate_series(0, $1::int - 1) s",
                         2, p, err, errlen) < 0
                 ? -1
                 : 1;
    if (rc == 1 && en_pg_commit(conn, err, errlen) < 0) rc = -1;
    if (rc != 1) en_pg_rollback(conn);
    if (rc == 1) log_info(NULL, "the intake now has %s shards, from transaction %s on", to, below);
    return rc;
}
