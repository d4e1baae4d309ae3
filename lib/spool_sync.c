/*
 * spool_sync.c - group commit: the sync thread, spool_sync, spool_sync_async
 *
 * Writers append under the lock and ask for a sync; one thread makes the
 * data durable. Each round it notes how far the spool was appended, calls
 * fdatasync once without the lock, and then declares every record below
 * that mark durable, so one sync serves every writer that came before it.
 * With sync_delay_us it first waits that long, so a burst of requests
 * shares one sync at the cost of that much latency.
 *
 * A failed fdatasync is final: after one, Linux may have dropped the dirty
 * pages, so retrying could report data durable that never reached the
 * disk. The spool remembers the reason and every later append and sync
 * fails with it, until the process reopens the spool.
 */
#include "spool_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Called with the lock held. */
static bool
have_work(struct spool *sp)
{
    if (sp->requested > sp->durable && !sp->broken[0]) return true; /* broken: nothing to do */
    for (struct sync_cb *c = sp->cbs; c; c = c->next)
        if (c->seq < sp->durable || sp->broken[0]) return true; /* deliverable now */
    return sp->stopping;
}

/* Unlink the callbacks that can be answered now; called with the lock held. */
static struct sync_cb *
take_answered(struct spool *sp)
{
    struct sync_cb *done = NULL, **tail = &done;
    struct sync_cb **pp = &sp->cbs;
    while (*pp) {
        struct sync_cb *c = *pp;
        if (c->seq < sp->durable || sp->broken[0]) {
            *pp = c->next;
            c->next = NULL;
            *tail = c;
            tail = &c->next;
        } else {
            pp = &c->next;
        }
    }
    sp->cbs_tail = pp;
    return done;
}

static void
answer(struct sync_cb *list, uint64_t durable)
{
    while (list) {
        struct sync_cb *next = list->next;
        list->done(list->arg, list->seq < durable ? 0 : -1);
        free(list);
        list = next;
    }
}

static void
close_retired(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        close(fds[i]);
    free(fds);
}

/* One group commit. Entered and left with the lock held. */
static void
sync_round(struct spool *sp)
{
    uint64_t target = sp->appended;
    int fd = sp->wfd;
    bool needed = target > sp->durable && !sp->broken[0];
    bool dir = needed && sp->dir_dirty;
    int *retired = sp->retired;
    size_t nretired = sp->nretired;
    if (needed) sp->dir_dirty = false;
    sp->retired = NULL;
    sp->nretired = sp->capretired = 0;
    pthread_mutex_unlock(&sp->mu);

    close_retired(retired, nretired); /* already synced when they were replaced */
    const char *failed = NULL;
    if (needed && dir && fsync(sp->dirfd) < 0) failed = "cannot sync directory";
    if (needed && !failed && fdatasync(fd) < 0) failed = "cannot sync segment";
    int saved = errno;

    pthread_mutex_lock(&sp->mu);
    if (failed) {
        errno = saved;
        spool_errno(sp, sp->broken, sizeof sp->broken, failed);
    } else if (needed) {
        sp->syncs++;
        if (target > sp->durable) sp->durable = target;
    }
    pthread_cond_broadcast(&sp->synced);
}

static void
gather(struct spool *sp)
{
    if (!sp->sync_delay_us || sp->stopping || sp->requested <= sp->durable) return;
    pthread_mutex_unlock(&sp->mu);
    struct timespec ts = {sp->sync_delay_us / 1000000, (long)(sp->sync_delay_us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&sp->mu);
}

static void *
sync_main(void *arg)
{
    struct spool *sp = arg;
    pthread_mutex_lock(&sp->mu);
    for (;;) {
        while (!have_work(sp))
            pthread_cond_wait(&sp->want_sync, &sp->mu);
        gather(sp);
        sync_round(sp);
        struct sync_cb *done = take_answered(sp);
        uint64_t durable = sp->durable;
        bool finished = sp->stopping && (sp->durable >= sp->appended || sp->broken[0]) && !sp->cbs;
        pthread_mutex_unlock(&sp->mu);
        answer(done, durable); /* without the lock: callbacks may append or sync */
        pthread_mutex_lock(&sp->mu);
        if (finished && !sp->cbs) break;
    }
    pthread_mutex_unlock(&sp->mu);
    return NULL;
}

int
sync_thread_start(struct spool *sp, char *err, size_t errlen)
{
    int rc = pthread_create(&sp->sync_thread, NULL, sync_main, sp);
    if (rc) {
        errno = rc;
        return spool_errno(sp, err, errlen, "cannot start the sync thread");
    }
    sp->sync_running = true;
    return 0;
}

void
sync_thread_stop(struct spool *sp)
{
    if (!sp->sync_running) return;
    pthread_mutex_lock(&sp->mu);
    sp->stopping = true;
    pthread_cond_signal(&sp->want_sync);
    pthread_mutex_unlock(&sp->mu);
    pthread_join(sp->sync_thread, NULL);
    sp->sync_running = false;
}

static int
check_seq(struct spool *sp, uint64_t seq, char *err, size_t errlen)
{
    if (seq < sp->appended) return 0;
    snprintf(err, errlen, "spool %s: record %llu was never appended", sp->dir,
             (unsigned long long)seq);
    return -1;
}

static int
check_broken(struct spool *sp, char *err, size_t errlen)
{
    if (!sp->broken[0]) return 0;
    snprintf(err, errlen, "%s", sp->broken);
    return -1;
}

static void
request(struct spool *sp, uint64_t seq)
{
    if (sp->requested <= seq) sp->requested = seq + 1;
    pthread_cond_signal(&sp->want_sync);
}

int
spool_sync(struct spool *sp, uint64_t seq, char *err, size_t errlen)
{
    pthread_mutex_lock(&sp->mu);
    int rc = check_seq(sp, seq, err, errlen);
    while (rc == 0 && sp->durable <= seq && (rc = check_broken(sp, err, errlen)) == 0) {
        request(sp, seq);
        pthread_cond_wait(&sp->synced, &sp->mu);
    }
    pthread_mutex_unlock(&sp->mu);
    return rc;
}

int
spool_sync_async(struct spool *sp, uint64_t seq, void (*done)(void *arg, int status), void *arg,
                 char *err, size_t errlen)
{
    struct sync_cb *c = malloc(sizeof *c);
    if (!c) return spool_oom(err, errlen);
    *c = (struct sync_cb){seq, done, arg, NULL};
    pthread_mutex_lock(&sp->mu);
    int rc = check_seq(sp, seq, err, errlen);
    if (rc == 0 && seq >= sp->durable) rc = check_broken(sp, err, errlen);
    if (rc == 0) {
        *sp->cbs_tail = c;
        sp->cbs_tail = &c->next;
        request(sp, seq);
    }
    pthread_mutex_unlock(&sp->mu);
    if (rc < 0) free(c);
    return rc;
}
