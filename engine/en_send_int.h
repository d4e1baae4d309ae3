/*
 * en_send_int.h - what the sender's files share (not for other modules)
 */
#ifndef TERN_EN_SEND_INT_H
#define TERN_EN_SEND_INT_H

#include <curl/curl.h>

#include "en_send.h"

/* An easy handle for `url`, kept for the sender's life. NULL with err. */
CURL *en_smtp_open(const char *url, long timeout_s, char *err, size_t errlen);

/* Submit `msg` from `from` to `to`; on failure `why` says what the server or libcurl said. */
enum en_smtp_result en_smtp_submit(CURL *c, const char *from, const char *to, const struct buf *msg,
                                   char *why, size_t whylen);

#endif
