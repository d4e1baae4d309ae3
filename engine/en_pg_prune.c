/*
 * en_pg_prune.c - deleting rows that have outlived their use (see en_pg.h)
 *
 * event_idempotency (sql 0010) keeps one row per idempotency key so that a
 * client's retry of an item is not written twice; a key only matters while
 * a client may still retry, so keys older than [engine] idempotency_keep
 * go. event_rejects (sql 0010) keeps the accepted events API items the
 * drain could not place, for someone to fix and replay, and record_rejects
 * (sql 0021) the spooled records PostgreSQL refused (`tern rejects`); both
 * are pruned only when [engine] rejects_keep asks for it. Each table is
 * deleted from in batches of their own transactions, at most a bounded
 * number of batches per call so a round is never held up for long.
 */
#include <stdio.h>
#include <stdlib.h>

#include "en_pg_int.h"

#define PRUNE_BATCH   10000
#define PRUNE_BATCHES 10

/* The table and its age column of each kind of row; the SQL names come from here alone. */
static const struct {
    const char *table, *column;
} prunable[] = {
    [EN_PRUNE_IDEMPOTENCY] = {"event_idempotency", "created_at"},  /* a BRIN index finds them */
    [EN_PRUNE_REJECTS] = {"event_rejects", "rejected_at"},         /* a small table: a scan */
    [EN_PRUNE_RECORD_REJECTS] = {"record_rejects", "rejected_at"}, /* smaller still */
};

int
en_pg_prune(PGconn *conn, enum en_prune what, int64_t keep_ms, char *err, size_t errlen)
{
    char keep[24], limit[16], sql[512];
    snprintf(keep, sizeof keep, "%lld", (long long)keep_ms);
    snprintf(limit, sizeof limit, "%d", PRUNE_BATCH);
    snprintf(sql, sizeof sql,
             "DELETE FROM %s WHERE ctid = ANY (ARRAY(SELECT ctid FROM %s"
             " WHERE %s < now() - $1::bigint * interval '1 ms' LIMIT $2::int))",
             prunable[what].table, prunable[what].table, prunable[what].column);
    const char *p[] = {keep, limit};
    int total = 0;
    for (int i = 0; i < PRUNE_BATCHES; i++) {
        PGresult *res = en_pg_query(conn, sql, 2, p, err, errlen);
        if (!res) return -1;
        int n = atoi(PQcmdTuples(res));
        PQclear(res);
        total += n;
        if (n < PRUNE_BATCH) break;
    }
    return total;
}
