/*
 * en_pg_prune.c - deleting events API idempotency keys past their use (see en_pg.h)
 *
 * event_idempotency (sql 0010) keeps one row per idempotency key so that a
 * client's retry of an item is not written twice. A key only matters while
 * a client may still retry, so the engine deletes the keys older than
 * [engine] idempotency_keep, in batches of their own transactions (the
 * table's BRIN index on created_at finds them), at most a bounded number of
 * batches per call so a round is never held up for long.
 */
#include <stdio.h>
#include <stdlib.h>

#include "en_pg_int.h"

#define PRUNE_BATCH   10000
#define PRUNE_BATCHES 10

int
en_pg_prune_idempotency(PGconn *conn, int64_t keep_ms, char *err, size_t errlen)
{
    char keep[24], limit[16];
    snprintf(keep, sizeof keep, "%lld", (long long)keep_ms);
    snprintf(limit, sizeof limit, "%d", PRUNE_BATCH);
    const char *p[] = {keep, limit};
    int total = 0;
    for (int i = 0; i < PRUNE_BATCHES; i++) {
        PGresult *res = en_pg_query(
            conn,
            "DELETE FROM event_idempotency WHERE ctid = ANY (ARRAY(SELECT ctid"
            " FROM event_idempotency WHERE created_at < now() - $1::bigint * interval '1 ms'"
            " LIMIT $2::int))",
            2, p, err, errlen);
        if (!res) return -1;
        int n = atoi(PQcmdTuples(res));
        PQclear(res);
        total += n;
        if (n < PRUNE_BATCH) break;
    }
    return total;
}
