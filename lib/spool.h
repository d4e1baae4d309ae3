/*
 * spool.h - a durable local append-only spool with group commit
 *
 * Owns: the on-disk spool directory of one process (tern track's hits, tern
 * milter's message records). Writers append opaque records and wait until
 * they are on disk before they acknowledge anything; one fdatasync serves
 * every record appended before it (group commit), so a thousand concurrent
 * requests cost a handful of syncs. A reader (the drain, spool_drain.h)
 * takes durable records in order, applies them to PostgreSQL and acks them;
 * acked segments are deleted. After a crash, reopening the directory finds
 * every record that was synced and drops a torn tail; records are replayed
 * until acked, so whatever applies them must be idempotent.
 *
 * Format: segment files named by their first sequence number, each record
 * framed by its length and a CRC-32C, a small cursor file holding the
 * first unacked sequence number. One process owns a directory at a time
 * (an flock on it; a second opener gets a clear error). doc/spool.md has
 * the byte layout and what recovery does.
 *
 * A failed fdatasync is final: the spool then refuses every append and
 * sync with that reason until it is reopened (the kernel may have dropped
 * the unsynced data, so a retry could lie).
 *
 * Depends on: lib/buf, POSIX, pthreads. Knows nothing of what a record means.
 *
 * THREADS
 *     Any number of threads may append and sync; one thread reads and acks.
 *
 * DIAGNOSTICS
 *     Functions returning int return 0 on success and -1 with a one-line
 *     reason in `err` ("spool /var/spool/tern/track: ...: No space left on
 *     device"). A full spool (max_bytes reached) is -1 with errno-like
 *     reason "spool is full (1073741824 bytes)" and `spool_full()` true.
 */
#ifndef TERN_SPOOL_H
#define TERN_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_RECORD_MAX (1u << 20) /* largest record, bytes */

struct spool_opts {
    uint64_t max_bytes;     /* appends fail beyond this many unacked bytes (0: 1 GiB) */
    uint64_t segment_bytes; /* start a new segment file after this size (0: 8 MiB) */
    unsigned sync_delay_us; /* how long a sync may wait to gather more records (0: none) */
};

struct spool;

/* One record handed to a reader; `data` stays valid until spool_ack or the next spool_read. */
struct spool_rec {
    uint64_t seq;
    const void *data;
    size_t len;
};

struct spool_batch {
    struct spool_rec *recs;
    size_t n;
    uint64_t next; /* sequence number after the last record of the batch */
};

struct spool_stats {
    uint64_t appended; /* sequence number of the next record */
    uint64_t durable;  /* every record below this is on disk */
    uint64_t acked;    /* every record below this is applied and may be deleted */
    uint64_t bytes;    /* unacked bytes on disk */
    unsigned segments;
    uint64_t syncs;      /* group commits (fdatasync rounds) since open */
    uint64_t torn_bytes; /* bytes of a torn tail spool_open dropped */
};

/* Open (creating if needed, mode 0700) and recover `dir`. NULL plus a reason on failure. */
struct spool *spool_open(const char *dir, const struct spool_opts *opts, char *err, size_t errlen);

/* Sync what was appended, stop the sync thread, close. NULL is allowed. */
void spool_close(struct spool *sp);

/*
 * Append one record of 1..SPOOL_RECORD_MAX bytes. On success *seq is its
 * sequence number; it is not durable until a sync covering it returns.
 */
int spool_append(struct spool *sp, const void *data, size_t len, uint64_t *seq, char *err,
                 size_t errlen);

/* Block until every record up to and including `seq` is on disk. */
int spool_sync(struct spool *sp, uint64_t seq, char *err, size_t errlen);

/*
 * Call done(arg, status) once every record up to `seq` is on disk (status
 * 0) or syncing failed (-1). `done` runs on the spool's sync thread and
 * must not block (nor call spool_sync); it may run before spool_sync_async
 * returns. Returning 0, it is called exactly once, at the latest from
 * spool_close; returning -1, never. For event loops that must not block a
 * thread (a suspended HTTP connection).
 */
int spool_sync_async(struct spool *sp, uint64_t seq, void (*done)(void *arg, int status), void *arg,
                     char *err, size_t errlen);

/*
 * Take up to `max` durable, unacked records in order into `b` (n may be 0).
 * Records after the last ack are handed out again by every call until they
 * are acked, so a failed apply is simply retried. `b` is overwritten; free
 * it with spool_batch_free (also when n is 0).
 */
int spool_read(struct spool *sp, size_t max, struct spool_batch *b, char *err, size_t errlen);

/* Mark every record of `b` (the last batch read) applied: the cursor is
 * replaced durably, then finished segments are deleted. */
int spool_ack(struct spool *sp, const struct spool_batch *b, char *err, size_t errlen);

void spool_batch_free(struct spool_batch *b);

bool spool_full(const struct spool *sp);
void spool_stats(struct spool *sp, struct spool_stats *st);

#endif
