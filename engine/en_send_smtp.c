/*
 * en_send_smtp.c - one submission over libcurl SMTP (see en_send.h)
 *
 * The easy handle lives as long as the sender, so libcurl keeps the
 * connection to engine.smtp open between messages. The outcome is
 * decided by the last SMTP reply: 5xx is permanent, anything else that
 * failed (4xx, no connection, a timeout) is worth another try.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "en_send_int.h"

struct upload {
    const char *p;
    size_t left;
};

static size_t
read_cb(char *dst, size_t size, size_t nmemb, void *ud)
{
    struct upload *u = ud;
    size_t n = size * nmemb < u->left ? size * nmemb : u->left;
    memcpy(dst, u->p, n);
    u->p += n, u->left -= n;
    return n;
}

CURL *
en_smtp_open(const char *url, long timeout_s, char *err, size_t errlen)
{
    static bool global_done; /* the sender is created before any thread starts */
    if (!global_done && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl: global init failed");
        return NULL;
    }
    global_done = true;
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "libcurl: out of memory");
        return NULL;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s > 0 ? timeout_s : 60L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    return c;
}

enum en_smtp_result
en_smtp_submit(CURL *c, const char *from, const char *to, const struct buf *msg, char *why,
               size_t whylen)
{
    char mail_from[320], errbuf[CURL_ERROR_SIZE] = "";
    struct upload u = {buf_str(msg), msg->len};
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    if (!rcpt) {
        snprintf(why, whylen, "out of memory");
        return EN_SMTP_RETRY;
    }
    snprintf(mail_from, sizeof mail_from, "<%s>", from);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->len);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(rcpt);
    if (rc == CURLE_OK) return EN_SMTP_SENT;
    snprintf(why, whylen, "smtp %ld: %s", code, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return code >= 500 && code < 600 ? EN_SMTP_PARK : EN_SMTP_RETRY;
}
