/*
 * en_sched.h - the scheduler loop of `tern engine`
 *
 * Owns: the order of work in one engine process. A round leases one Lua
 * state (a process without scripts only sends), reads what its generation registered, then takes events in
 * (en_pg_intake) and runs due enrollments (en_pg_run_due), batch after
 * batch until a batch comes back short, refreshes the segments that are
 * due (en_seg_round: in full every `refresh`, else the contacts changed
 * since the last look), and hands the outbox to the sender when one is set. Between rounds it sleeps `poll_ms` unless the
 * round found work. A stop request is honoured between batches (the
 * batch in flight commits first); a reload request is handed to the
 * owner's `reconfigure` between rounds, which may replace the pool, the
 * sender and the settings below (the round uses none of them then).
 * Database failures are logged and retried on the next round with a
 * fresh connection; they never end the loop.
 *
 * Depends on: engine/en_pg.h, lua/lh.h, lib/db, lib/log.
 */
#ifndef TERN_EN_SCHED_H
#define TERN_EN_SCHED_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "en_pg.h"

/* A pass of the outbox sender; returns the rows it handled, or -1 with err. */
typedef int (*en_sched_sender)(void *ctx, PGconn *conn, int64_t now, int limit, char *err,
                               size_t errlen);

struct en_sched {
    const struct db_settings *db;
    struct lh_pool *pool;          /* NULL: no journeys, sender passes only */
    int batch;                     /* rows per transaction (EN_PG_BATCH) */
    int64_t poll_ms;               /* sleep between idle rounds */
    volatile sig_atomic_t *stop;   /* set: end after the batch in flight */
    volatile sig_atomic_t *reload; /* set: call reconfigure before the next round */
    void (*reconfigure)(struct en_sched *s, void *ctx);
    void *reconfigure_ctx;
    en_sched_sender send; /* NULL: no sender in this process */
    void *send_ctx;
    int64_t idempotency_keep_ms; /* prune older idempotency keys hourly; 0: never */
    int64_t rejects_keep_ms;     /* prune older unplaced items and set-aside records; 0: never */
    PGconn *conn;                /* owned; opened on demand */
    int64_t pruned_at;           /* when rows were last pruned (Unix seconds) */
};

/*
 * One round; *work gets the rows handled (events, enrollments, mails).
 * 0, or -1 with err (the connection is dropped and reopened next time).
 */
int en_sched_round(struct en_sched *s, int *work, char *err, size_t errlen);

/* Rounds until nothing is left to do now (at most `max_rounds`). 0 or -1. */
int en_sched_drain(struct en_sched *s, int max_rounds, char *err, size_t errlen);

/* Rounds until *stop is set. */
void en_sched_run(struct en_sched *s);

/* Close the connection. */
void en_sched_close(struct en_sched *s);

#endif
