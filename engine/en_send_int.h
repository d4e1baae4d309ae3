/*
 * en_send_int.h - what the sender's files share (not for other modules)
 */
#ifndef TERN_EN_SEND_INT_H
#define TERN_EN_SEND_INT_H

#include "en_send.h"

/* One message to submit and, once en_smtp_run returns, its outcome. */
struct en_smtp_job {
    const char *from, *to; /* bare addresses */
    const struct buf *msg; /* the whole message, CRLF line ends */
    enum en_smtp_result result;
    char why[512]; /* what the server or libcurl said when not sent */
};

/* The connections of one sender to engine.smtp. */
struct en_smtp;

/* Up to `connections` connections to `url`, opened as they are needed. NULL with err. */
struct en_smtp *en_smtp_new(const char *url, long timeout_s, int connections, char *err,
                            size_t errlen);
void en_smtp_free(struct en_smtp *t);

/*
 * Submit every job, as many at once as there are connections, and set
 * each job's result. A job that could not start (out of memory, or
 * `budget_s` seconds had passed since the run began) is EN_SMTP_RETRY
 * with the reason. Connections stay open for the next run.
 */
void en_smtp_run(struct en_smtp *t, struct en_smtp_job *const *jobs, size_t n, long budget_s);

#endif
