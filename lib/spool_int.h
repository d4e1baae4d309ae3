/*
 * spool_int.h - the spool's shared state, for lib/spool*.c only
 *
 * Owns: struct spool and the helpers its files share. Nothing outside
 * lib/spool*.c includes this.
 *
 * Locking: `mu` guards every field below it except the reader's, which
 * only the one reader thread touches (spool.h, THREADS). Whoever writes a
 * segment file holds `mu`; fdatasync runs without it, on the sync thread.
 */
#ifndef TERN_SPOOL_INT_H
#define TERN_SPOOL_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "spool.h"

#define SEG_HEADER   16 /* magic (8 bytes) + first sequence number (LE u64) */
#define SEG_MAGIC    "TERNSPL1"
#define FRAME_HEADER 8 /* length (LE u32) + CRC-32C of length and data (LE u32) */
#define CURSOR_NAME  "cursor"
#define LOCK_NAME    "lock"

struct seg {
    uint64_t first; /* sequence number of its first record; also its name */
    uint64_t size;  /* bytes in the file: header plus whole frames */
};

struct sync_cb {
    uint64_t seq;
    void (*done)(void *arg, int status);
    void *arg;
    struct sync_cb *next;
};

struct spool {
    char *dir;
    int dirfd, lockfd;
    uint64_t max_bytes, segment_bytes;
    unsigned sync_delay_us;
    bool full; /* the last append was refused for space; read with __atomic */

    pthread_mutex_t mu;
    pthread_cond_t want_sync; /* the sync thread waits here for work */
    pthread_cond_t synced;    /* spool_sync callers wait here */
    pthread_t sync_thread;
    bool sync_running, stopping;

    int wfd; /* the active (last) segment, append-only */
    struct seg *segs;
    size_t nsegs, capsegs;
    uint64_t appended, durable, requested, acked;
    uint64_t bytes;      /* frame bytes of unacked records */
    uint64_t syncs;      /* fdatasync rounds of the sync thread */
    uint64_t torn_bytes; /* bytes of a torn tail dropped by spool_open */
    bool dir_dirty;      /* a segment was created since the last directory fsync */
    int *retired;        /* segment fds replaced by a newer one; the sync thread closes them */
    size_t nretired, capretired;
    struct sync_cb *cbs, **cbs_tail;
    char broken[256]; /* non-empty after a failed sync: every later call fails with it */

    /* reader thread only */
    uint64_t pos_seg, pos_off; /* where record `acked` starts: segment first seq, offset */
    uint64_t read_next, read_seg, read_off, read_bytes; /* what the last spool_read covered */
    bool read_pending;
    int rfd;
    uint64_t rfd_seg;
    struct buf rbuf;
};

/* spool_seg.c: file names, headers and frames */
void seg_path(const struct spool *sp, uint64_t first, char *path, size_t len);
bool seg_parse_name(const char *name, uint64_t *first);
void seg_header(unsigned char h[SEG_HEADER], uint64_t first);
bool seg_header_ok(const unsigned char *h, uint64_t first);
void frame_header(unsigned char h[FRAME_HEADER], const void *data, size_t len);
/* 0: a whole valid frame at `p` (*len its payload); -1: torn or corrupt, `why` says how. */
int frame_check(const unsigned char *p, size_t avail, size_t *len, const char **why);
int seg_create(struct spool *sp, uint64_t first, char *err, size_t errlen);
int segs_push(struct spool *sp, uint64_t first, uint64_t size);
void segs_drop_first(struct spool *sp);

/* spool_recover.c: what spool_open finds on disk */
int spool_lock(struct spool *sp, char *err, size_t errlen);
int spool_recover(struct spool *sp, char *err, size_t errlen);
int cursor_read(struct spool *sp, uint64_t *acked, bool *found, char *err, size_t errlen);
int cursor_write(struct spool *sp, uint64_t acked, char *err, size_t errlen);

/* spool_sync.c: the sync thread */
int sync_thread_start(struct spool *sp, char *err, size_t errlen);
void sync_thread_stop(struct spool *sp);

/* "spool DIR: what: strerror(errno)" into err; returns -1. */
int spool_errno(const struct spool *sp, char *err, size_t errlen, const char *what);
int spool_oom(char *err, size_t errlen);

#endif
