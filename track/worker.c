/*
 * worker.c - job queue and its threads (see worker.h)
 */
#include "worker.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

struct job {
    void (*fn)(void *arg);
    void *arg;
};

struct tr_worker {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct job ring[WORKER_QUEUE_MAX];
    size_t head, len;
    bool stopping;
    pthread_t *threads;
    unsigned nthreads;
};

static void *
work(void *arg)
{
    struct tr_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->len == 0 && !w->stopping)
            pthread_cond_wait(&w->wake, &w->lock);
        if (w->len == 0) break; /* stopping and drained */
        struct job j = w->ring[w->head];
        w->head = (w->head + 1) % WORKER_QUEUE_MAX;
        w->len--;
        pthread_mutex_unlock(&w->lock);
        j.fn(j.arg);
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct tr_worker *
tr_worker_start(unsigned threads, char *err, size_t errlen)
{
    struct tr_worker *w = calloc(1, sizeof *w);
    if (!w || !(w->threads = calloc(threads, sizeof *w->threads))) {
        free(w);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    for (; w->nthreads < threads; w->nthreads++)
        if (pthread_create(&w->threads[w->nthreads], NULL, work, w) != 0) {
            snprintf(err, errlen, "cannot start a worker thread");
            tr_worker_stop(w);
            return NULL;
        }
    return w;
}

int
tr_worker_submit(struct tr_worker *w, void (*fn)(void *arg), void *arg)
{
    int rc = -1;
    pthread_mutex_lock(&w->lock);
    if (!w->stopping && w->len < WORKER_QUEUE_MAX) {
        w->ring[(w->head + w->len) % WORKER_QUEUE_MAX] = (struct job){fn, arg};
        w->len++;
        rc = 0;
        pthread_cond_signal(&w->wake);
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

void
tr_worker_stop(struct tr_worker *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
    for (unsigned i = 0; i < w->nthreads; i++)
        pthread_join(w->threads[i], NULL);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w->threads);
    free(w);
}
