/*
 * en_send_int.h - what the sender's files share (not for other modules)
 */
#ifndef TERN_EN_SEND_INT_H
#define TERN_EN_SEND_INT_H

#include "en_send.h"

/* One message to submit and, once `done`, its outcome. */
struct en_smtp_job {
    const char *from, *to; /* bare addresses */
    const struct buf *msg; /* the whole message, CRLF line ends */
    enum en_smtp_result result;
    char why[512];            /* what the server or libcurl said when not sent */
    bool done;                /* result and why are final */
    bool untried;             /* failed before it was tried: due again at once, no attempt spent */
    struct en_smtp_job *next; /* the queue's link */
};

/* The connections of one sender to engine.smtp. */
struct en_smtp;

/* Up to `connections` connections to `url`, opened as they are needed. NULL with err. */
struct en_smtp *en_smtp_new(const char *url, long timeout_s, int connections, char *err,
                            size_t errlen);
void en_smtp_free(struct en_smtp *t);

/* Queue `j` (it must live until done); later en_smtp_step calls submit it. */
void en_smtp_queue(struct en_smtp *t, struct en_smtp_job *j);

/*
 * Start queued jobs on idle connections (when `late`, fail them untried
 * instead), move the transfers on, and wait up to `wait_ms` for one to
 * progress when none ended. Returns the jobs still queued or in flight.
 * A job that could not start (out of memory) is EN_SMTP_RETRY with the
 * reason. Connections stay open for the next jobs.
 */
size_t en_smtp_step(struct en_smtp *t, bool late, int wait_ms);

/* Jobs queued and not started yet. */
size_t en_smtp_waiting(const struct en_smtp *t);

#endif
