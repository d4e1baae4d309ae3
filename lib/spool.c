/*
 * spool.c - open, append, rotate, close (see spool.h)
 *
 * An append writes one frame to the active segment under the lock: a
 * write(2) into the page cache, so concurrent appends are cheap and keep
 * their order. Durability is the sync thread's job (spool_sync.c).
 *
 * Rotation keeps recovery simple: before a new segment is created, the
 * active one is fdatasync'ed, so only the last segment can ever end in a
 * torn record (spool_recover.c). It costs one sync per segment_bytes.
 */
#include "spool_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define DEFAULT_MAX_BYTES     (UINT64_C(1) << 30)
#define DEFAULT_SEGMENT_BYTES (UINT64_C(8) << 20)

static struct spool *
spool_alloc(const char *dir, const struct spool_opts *opts)
{
    struct spool *sp = calloc(1, sizeof *sp);
    if (!sp) return NULL;
    if (!(sp->dir = strdup(dir))) {
        free(sp);
        return NULL;
    }
    size_t n = strlen(sp->dir);
    while (n > 1 && sp->dir[n - 1] == '/')
        sp->dir[--n] = '\0';
    sp->dirfd = sp->lockfd = sp->wfd = sp->rfd = -1;
    sp->max_bytes = opts && opts->max_bytes ? opts->max_bytes : DEFAULT_MAX_BYTES;
    sp->segment_bytes = opts && opts->segment_bytes ? opts->segment_bytes : DEFAULT_SEGMENT_BYTES;
    sp->sync_delay_us = opts ? opts->sync_delay_us : 0;
    sp->cbs_tail = &sp->cbs;
    pthread_mutex_init(&sp->mu, NULL);
    pthread_cond_init(&sp->want_sync, NULL);
    pthread_cond_init(&sp->synced, NULL);
    return sp;
}

static void
spool_free(struct spool *sp)
{
    if (sp->wfd >= 0) close(sp->wfd);
    if (sp->rfd >= 0) close(sp->rfd);
    for (size_t i = 0; i < sp->nretired; i++)
        close(sp->retired[i]);
    if (sp->lockfd >= 0) close(sp->lockfd); /* releases the flock */
    if (sp->dirfd >= 0) close(sp->dirfd);
    pthread_mutex_destroy(&sp->mu);
    pthread_cond_destroy(&sp->want_sync);
    pthread_cond_destroy(&sp->synced);
    buf_free(&sp->rbuf);
    free(sp->retired);
    free(sp->segs);
    free(sp->dir);
    free(sp);
}

struct spool *
spool_open(const char *dir, const struct spool_opts *opts, char *err, size_t errlen)
{
    struct spool *sp = spool_alloc(dir, opts);
    if (!sp) {
        spool_oom(err, errlen);
        return NULL;
    }
    if (spool_lock(sp, err, errlen) < 0 || spool_recover(sp, err, errlen) < 0 ||
        sync_thread_start(sp, err, errlen) < 0) {
        spool_free(sp);
        return NULL;
    }
    return sp;
}

void
spool_close(struct spool *sp)
{
    if (!sp) return;
    sync_thread_stop(sp); /* its last round syncs whatever was appended */
    spool_free(sp);
}

static int
retire(struct spool *sp, int fd)
{
    if (sp->nretired == sp->capretired) {
        size_t cap = sp->capretired ? sp->capretired * 2 : 4;
        int *r = realloc(sp->retired, cap * sizeof *r);
        if (!r) return -1;
        sp->retired = r;
        sp->capretired = cap;
    }
    sp->retired[sp->nretired++] = fd;
    return 0;
}

/* Start a new segment at the next sequence number. Called with the lock held. */
static int
rotate(struct spool *sp, char *err, size_t errlen)
{
    if (fdatasync(sp->wfd) < 0) {
        spool_errno(sp, sp->broken, sizeof sp->broken, "cannot sync segment");
        snprintf(err, errlen, "%s", sp->broken);
        return -1;
    }
    int old = sp->wfd;
    if (retire(sp, old) < 0) return spool_oom(err, errlen);
    if (seg_create(sp, sp->appended, err, errlen) < 0) {
        sp->nretired--; /* keep appending to the old one */
        sp->wfd = old;
        return -1;
    }
    return 0;
}

/* Write one frame at the end of the active segment, all or nothing. */
static int
write_frame(struct spool *sp, const void *data, size_t len, char *err, size_t errlen)
{
    unsigned char h[FRAME_HEADER];
    frame_header(h, data, len);
    struct iovec iov[2] = {{h, sizeof h}, {(void *)data, len}};
    size_t want = sizeof h + len;
    errno = ENOSPC; /* what a short write means */
    ssize_t n = writev(sp->wfd, iov, 2);
    if (n == (ssize_t)want) return 0;
    int saved = errno;
    struct seg *s = &sp->segs[sp->nsegs - 1];
    if (n > 0 && ftruncate(sp->wfd, (off_t)s->size) < 0) {
        spool_errno(sp, sp->broken, sizeof sp->broken, "cannot undo a partial write");
        snprintf(err, errlen, "%s", sp->broken);
        return -1;
    }
    errno = saved;
    return spool_errno(sp, err, errlen, "cannot append");
}

static int
refuse_full(struct spool *sp, char *err, size_t errlen)
{
    __atomic_store_n(&sp->full, true, __ATOMIC_RELAXED);
    snprintf(err, errlen, "spool %s: spool is full (%llu bytes)", sp->dir,
             (unsigned long long)sp->max_bytes);
    return -1;
}

static int
append_locked(struct spool *sp, const void *data, size_t len, uint64_t *seq, char *err,
              size_t errlen)
{
    uint64_t frame = FRAME_HEADER + len;
    if (sp->broken[0]) {
        snprintf(err, errlen, "%s", sp->broken);
        return -1;
    }
    if (sp->bytes + frame > sp->max_bytes) return refuse_full(sp, err, errlen);
    struct seg *s = &sp->segs[sp->nsegs - 1];
    if (s->size > SEG_HEADER && s->size + frame > sp->segment_bytes && rotate(sp, err, errlen) < 0)
        return -1;
    if (write_frame(sp, data, len, err, errlen) < 0) return -1;
    sp->segs[sp->nsegs - 1].size += frame;
    sp->bytes += frame;
    *seq = sp->appended++;
    __atomic_store_n(&sp->full, false, __ATOMIC_RELAXED);
    return 0;
}

int
spool_append(struct spool *sp, const void *data, size_t len, uint64_t *seq, char *err,
             size_t errlen)
{
    if (len == 0 || len > SPOOL_RECORD_MAX) {
        snprintf(err, errlen, "spool %s: a record must hold 1 to %u bytes, not %zu", sp->dir,
                 SPOOL_RECORD_MAX, len);
        return -1;
    }
    pthread_mutex_lock(&sp->mu);
    int rc = append_locked(sp, data, len, seq, err, errlen);
    pthread_mutex_unlock(&sp->mu);
    return rc;
}

bool
spool_full(const struct spool *sp)
{
    return __atomic_load_n(&sp->full, __ATOMIC_RELAXED);
}

void
spool_stats(struct spool *sp, struct spool_stats *st)
{
    pthread_mutex_lock(&sp->mu);
    st->appended = sp->appended;
    st->durable = sp->durable;
    st->acked = sp->acked;
    st->bytes = sp->bytes;
    st->segments = (unsigned)sp->nsegs;
    st->syncs = sp->syncs;
    st->torn_bytes = sp->torn_bytes;
    pthread_mutex_unlock(&sp->mu);
}
