/*
 * spool_read.c - the reader's side: spool_read, spool_ack (see spool.h)
 *
 * Reading starts at the first unacked record every time, so a batch that
 * failed to apply is simply read again. Records are re-checked against
 * their CRC as they are read: the disk may have changed since recovery.
 * An ack writes the cursor first and deletes finished segments after, so
 * a crash in between leaves files that recovery removes.
 */
#include "spool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A consistent view of what may be read, taken under the lock. */
struct view {
    uint64_t durable;
    struct seg *segs;
    size_t nsegs;
};

static int
take_view(struct spool *sp, struct view *v, char *err, size_t errlen)
{
    pthread_mutex_lock(&sp->mu);
    v->durable = sp->durable;
    v->nsegs = sp->nsegs;
    v->segs = malloc(sp->nsegs * sizeof *v->segs);
    if (v->segs) memcpy(v->segs, sp->segs, sp->nsegs * sizeof *v->segs);
    pthread_mutex_unlock(&sp->mu);
    return v->segs ? 0 : spool_oom(err, errlen);
}

static int
open_reader(struct spool *sp, uint64_t first, char *err, size_t errlen)
{
    if (sp->rfd >= 0 && sp->rfd_seg == first) return 0;
    if (sp->rfd >= 0) close(sp->rfd);
    char path[4096];
    seg_path(sp, first, path, sizeof path);
    sp->rfd = open(path, O_RDONLY | O_CLOEXEC);
    sp->rfd_seg = first;
    return sp->rfd < 0 ? spool_errno(sp, err, errlen, "cannot open segment") : 0;
}

static int
corrupt(struct spool *sp, uint64_t seg, uint64_t seq, uint64_t off, const char *why, char *err,
        size_t errlen)
{
    char path[4096];
    seg_path(sp, seg, path, sizeof path);
    snprintf(err, errlen, "spool %s: %s: record %" PRIu64 " at offset %" PRIu64 ": %s", sp->dir,
             path, seq, off, why);
    return -1;
}

static int
pread_all(int fd, void *p, size_t len, uint64_t off)
{
    while (len) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p = (char *)p + n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* Read the frame of record `seq` at `off` into rbuf; *len is its payload. */
static int
read_frame(struct spool *sp, uint64_t seg, uint64_t seq, uint64_t off, size_t *len, char *err,
           size_t errlen)
{
    size_t at = sp->rbuf.len;
    unsigned char h[FRAME_HEADER];
    const char *why = "segment ends early";
    if (pread_all(sp->rfd, h, sizeof h, off) < 0)
        return corrupt(sp, seg, seq, off, why, err, errlen);
    size_t n = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16 | (size_t)h[3] << 24;
    if (n == 0 || n > SPOOL_RECORD_MAX)
        return corrupt(sp, seg, seq, off, "impossible record length", err, errlen);
    if (!buf_reserve(&sp->rbuf, FRAME_HEADER + n)) return spool_oom(err, errlen);
    memcpy(sp->rbuf.data + at, h, sizeof h);
    if (pread_all(sp->rfd, sp->rbuf.data + at + FRAME_HEADER, n, off + FRAME_HEADER) < 0)
        return corrupt(sp, seg, seq, off, why, err, errlen);
    if (frame_check((unsigned char *)sp->rbuf.data + at, FRAME_HEADER + n, len, &why) < 0)
        return corrupt(sp, seg, seq, off, why, err, errlen);
    sp->rbuf.len = at + FRAME_HEADER + n;
    return 0;
}

static int
grow_recs(struct spool_batch *b, size_t *cap)
{
    if (b->n < *cap) return 0;
    size_t ncap = *cap ? *cap * 2 : 64;
    struct spool_rec *r = realloc(b->recs, ncap * sizeof *r);
    if (!r) return -1;
    b->recs = r;
    *cap = ncap;
    return 0;
}

static int
read_records(struct spool *sp, const struct view *v, size_t max, struct spool_batch *b, char *err,
             size_t errlen)
{
    size_t i = 0, cap = 0;
    while (i + 1 < v->nsegs && v->segs[i].first != sp->pos_seg)
        i++;
    uint64_t seq = sp->acked, off = sp->pos_off, bytes = 0;
    while (b->n < max && seq < v->durable) {
        if (i + 1 < v->nsegs && seq >= v->segs[i + 1].first) {
            i++;
            off = SEG_HEADER;
        }
        size_t len;
        if (open_reader(sp, v->segs[i].first, err, errlen) < 0 ||
            read_frame(sp, v->segs[i].first, seq, off, &len, err, errlen) < 0)
            return -1;
        if (grow_recs(b, &cap) < 0) return spool_oom(err, errlen);
        /* rbuf may still move: keep the data's offset, make it a pointer at the end */
        b->recs[b->n++] =
            (struct spool_rec){seq, (const void *)(uintptr_t)(sp->rbuf.len - len), len};
        off += FRAME_HEADER + len;
        bytes += FRAME_HEADER + len;
        seq++;
    }
    for (size_t k = 0; k < b->n; k++)
        b->recs[k].data = sp->rbuf.data + (uintptr_t)b->recs[k].data;
    b->next = seq;
    sp->read_next = seq;
    sp->read_seg = v->segs[i].first;
    sp->read_off = off;
    sp->read_bytes = bytes;
    sp->read_pending = true;
    return 0;
}

int
spool_read(struct spool *sp, size_t max, struct spool_batch *b, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    b->next = sp->acked;
    sp->read_pending = false;
    buf_reset(&sp->rbuf);
    struct view v;
    if (take_view(sp, &v, err, errlen) < 0) return -1;
    int rc = read_records(sp, &v, max, b, err, errlen);
    free(v.segs);
    if (rc < 0) spool_batch_free(b);
    return rc;
}

/* Delete segments every record of which is acked. Called with the lock held. */
static int
drop_finished(struct spool *sp, char *err, size_t errlen)
{
    while (sp->nsegs > 1 && sp->segs[1].first <= sp->acked) {
        char path[4096];
        seg_path(sp, sp->segs[0].first, path, sizeof path);
        if (unlink(path) < 0 && errno != ENOENT)
            return spool_errno(sp, err, errlen, "cannot remove an acked segment");
        if (sp->pos_seg == sp->segs[0].first) {
            sp->pos_seg = sp->segs[1].first;
            sp->pos_off = SEG_HEADER;
        }
        if (sp->rfd >= 0 && sp->rfd_seg == sp->segs[0].first) {
            close(sp->rfd);
            sp->rfd = -1;
        }
        segs_drop_first(sp);
    }
    return 0;
}

int
spool_ack(struct spool *sp, const struct spool_batch *b, char *err, size_t errlen)
{
    if (b->n == 0) return 0;
    if (!sp->read_pending || b->next != sp->read_next) {
        snprintf(err, errlen, "spool %s: ack of records up to %" PRIu64 " matches no read", sp->dir,
                 b->next);
        return -1;
    }
    if (cursor_write(sp, b->next, err, errlen) < 0) return -1;
    pthread_mutex_lock(&sp->mu);
    sp->acked = sp->read_next;
    sp->bytes -= sp->read_bytes;
    sp->pos_seg = sp->read_seg;
    sp->pos_off = sp->read_off;
    sp->read_pending = false;
    int rc = drop_finished(sp, err, errlen);
    if (sp->bytes < sp->max_bytes) __atomic_store_n(&sp->full, false, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&sp->mu);
    return rc;
}

void
spool_batch_free(struct spool_batch *b)
{
    if (!b) return;
    free(b->recs);
    b->recs = NULL;
    b->n = 0;
}
