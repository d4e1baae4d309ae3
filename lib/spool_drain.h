/*
 * spool_drain.h - the thread that moves spooled records into PostgreSQL
 *
 * Owns: one background thread per spool that reads durable records in
 * batches (spool_read), applies each batch in one transaction
 * (rec_apply, record.h) on a pooled connection and acks it. PostgreSQL
 * down or slow: the batch is retried with back-off and the spool grows
 * (a warning each time its size doubles); it drains on recovery. Stopping
 * drains what it can within a deadline, then leaves the rest on disk for
 * the next start.
 *
 * Depends on: lib/spool, lib/record, lib/db, lib/log, pthreads.
 *
 * THREADS
 *     The drain is the spool's one reader (spool.h): while it runs, no
 *     other thread may call spool_read or spool_ack on that spool. Stop
 *     the drain before closing the spool.
 *
 * DIAGNOSTICS
 *     Logged under "drain": a warning on the first failed attempt and then
 *     every 30 s while PostgreSQL keeps failing (records stay spooled); a
 *     warning each time the unapplied part of the spool doubles past
 *     1 MiB; info when PostgreSQL answers again, when a grown spool has
 *     drained, and at stop when records are left for the next start.
 *     Records PostgreSQL refuses are logged by rec_apply (record.h) and
 *     kept in tern.record_rejects.
 */
#ifndef TERN_SPOOL_DRAIN_H
#define TERN_SPOOL_DRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "spool.h"

struct spool_drain_opts {
    size_t batch;            /* records per transaction (0: 500) */
    unsigned idle_ms;        /* poll interval when the spool is empty (0: 50) */
    unsigned max_backoff_ms; /* longest wait between retries (0: 5000) */
    unsigned linger_ms;      /* after a batch short of `batch`, let records gather this long
                                before the next (kicks do not cut it short; 0: go on at once) */
};

struct spool_drain_stats {
    uint64_t applied;  /* records applied since start */
    uint64_t skipped;  /* records refused as bad (logged, kept in tern.record_rejects) */
    uint64_t failures; /* failed attempts (PostgreSQL unreachable ...) */
};

struct spool_drain;

struct spool_drain *spool_drain_start(struct spool *sp, struct db_pool *db,
                                      const struct spool_drain_opts *opts, char *err,
                                      size_t errlen);

/* Wake the drain now (a writer just synced a batch). Cheap; any thread. */
void spool_drain_kick(struct spool_drain *d);

/* Keep draining until the spool is empty or `deadline_ms` has passed (a
 * statement still running then is cancelled), stop the thread and free
 * the drain. NULL is allowed. */
void spool_drain_stop(struct spool_drain *d, unsigned deadline_ms);

void spool_drain_stats(struct spool_drain *d, struct spool_drain_stats *st);

#endif
