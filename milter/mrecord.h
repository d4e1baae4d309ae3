/*
 * mrecord.h - recording managed messages through the durable spool
 *
 * Owns: the milter's record path: each managed message becomes one
 * "message" record (lib/record.h: a messages row plus its email.sent
 * event, idempotent by message id) appended to milter.spool and synced
 * before the message is accepted; the drain thread (lib/spool_drain.h)
 * moves batches into PostgreSQL. PostgreSQL down or slow never delays
 * mail: the spool grows up to milter.spool_max and replays on recovery.
 * A full spool logs a loud warning and the mail still goes out.
 *
 * Depends on: lib/spool, lib/record, lib/spool_drain, lib/log.
 */
#ifndef TERN_MILTER_MRECORD_H
#define TERN_MILTER_MRECORD_H

#include <stddef.h>

#include "record.h"
#include "spool.h"
#include "spool_drain.h"

struct mrec {
    struct spool *spool;
    struct spool_drain *drain; /* NULL: nobody drains (tests) */
};

/* milter_deps.record: encode, append, sync, wake the drain. 0 or -1 with a reason. */
int mrec_record(void *mrec, const struct rec_message *m, char *err, size_t errlen);

#endif
