/*
 * en_pg.h - the journey store on PostgreSQL: intake, claim, commit
 *
 * Owns: how the pure runtime (en.h) meets the database (sql/0004, 0007).
 *
 *   en_pg_intake()  reads the events committed since the intake cursor,
 *                   snapshot-safe (xid8 below pg_snapshot_xmin), ends
 *                   enrollments on exit and goal events, moves waiting
 *                   enrollments whose wait_for event arrived, and enters
 *                   contacts into journeys whose entry the event fires
 *                   (en_may_enter), all with the cursor in one transaction.
 *   en_pg_run_due() claims due enrollments FOR UPDATE SKIP LOCKED, runs
 *                   each through en_step_run, and commits per batch the
 *                   transition, one enrollment_steps row per step run (the
 *                   key that makes a step commit once), the outbox rows
 *                   after the cap check, attribute and score changes and
 *                   emitted events. A script error parks that enrollment
 *                   with its file:line and a retry time with back-off.
 *
 * Both take a connection outside any transaction and a state leased from
 * the generation `reg` was read from; both return the number of rows
 * handled (events, enrollments) or -1 with a one-line err after rolling
 * back. A batch that handled `limit` rows means more may be waiting.
 *
 * The runtime keeps a c:wait_for's timed-out step apart; the table keeps
 * it in `step` (due at wake_at) and the matched step in `wait_matched`:
 * the translation lives here and nowhere else.
 *
 * Depends on: engine/en.h, en_rules.h, lua/lh_reg.h, lib/contact_view,
 * lib/events, lib/log, libpq, jansson.
 */
#ifndef TERN_EN_PG_H
#define TERN_EN_PG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "en.h"

#define EN_PG_BATCH 500 /* rows per transaction (DESIGN.md 7) */

struct en_pg_run {
    PGconn *conn;
    struct lh_state *st;
    const struct lh_reg *reg;
    int64_t now; /* Unix seconds */
    int limit;   /* rows per batch, 1..1000 */
};

int en_pg_intake(const struct en_pg_run *r, char *err, size_t errlen);

/*
 * Ask for `shards` intake shards (1..EN_PG_SHARDS_MAX). Running engines finish the events
 * below a common horizon on the old shards, then the first to hold them all
 * starts the new ones from it (sql/0018). 1 requested, 0 already so, -1.
 */
#define EN_PG_SHARDS_MAX 64
int en_pg_shard_request(PGconn *conn, int shards, char *err, size_t errlen);
int en_pg_run_due(const struct en_pg_run *r, char *err, size_t errlen);

/* What en_pg_prune deletes: events API idempotency keys, unplaced events API items, or the
 * spooled records the drains set aside. */
enum en_prune { EN_PRUNE_IDEMPOTENCY, EN_PRUNE_REJECTS, EN_PRUNE_RECORD_REJECTS };

/* Delete the rows of `what` older than `keep_ms` (en_pg_prune.c), each batch in a
 * transaction of its own: the rows deleted, or -1. */
int en_pg_prune(PGconn *conn, enum en_prune what, int64_t keep_ms, char *err, size_t errlen);

/* The retry delay after `attempts` failed tries: 1 min doubling, at most 6 h. */
int64_t en_pg_backoff(int attempts);

#endif
