/*
 * worker.h - a few threads for work that may block (PostgreSQL)
 *
 * Owns: a bounded FIFO of jobs and the threads that run them. The HTTP
 * pool threads never wait for the database: an endpoint that must (the
 * events API) hands its work here and its connection stays suspended
 * until the job is done.
 *
 * Depends on: pthreads.
 */
#ifndef TERN_TRACK_WORKER_H
#define TERN_TRACK_WORKER_H

#include <stddef.h>

#define WORKER_QUEUE_MAX 1024 /* jobs waiting; more are refused (the caller answers 503) */

struct tr_worker;

struct tr_worker *tr_worker_start(unsigned threads, char *err, size_t errlen);

/* Queue fn(arg). -1 when the queue is full or stopping: fn will not run. */
int tr_worker_submit(struct tr_worker *w, void (*fn)(void *arg), void *arg);

/* Run what is queued, then join the threads. NULL is allowed. */
void tr_worker_stop(struct tr_worker *w);

#endif
