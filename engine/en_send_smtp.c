/*
 * en_send_smtp.c - submissions over libcurl SMTP, several at once (see en_send_int.h)
 *
 * Why libcurl's multi interface and not a pool of threads: a pass holds
 * the messages of its batch in memory already, and a submission's time
 * is spent waiting for Postfix, not in this process. One thread driving
 * N easy handles through one multi handle keeps N submissions in flight
 * without locks, without sharing the database connection and without
 * changing the loop around the sender. The multi handle owns the
 * connection cache: a finished transfer leaves its connection there and
 * the next one takes it, so connections are reused from message to
 * message and from pass to pass, and CURLMOPT_MAX_TOTAL_CONNECTIONS keeps
 * them at N.
 *
 * The outcome is decided by the last SMTP reply: 5xx is permanent,
 * anything else that failed (4xx, no connection, a timeout) is worth
 * another try.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "en_send_int.h"

struct upload {
    const char *p;
    size_t left;
};

/* One connection's transfer: the job it carries and what libcurl reads from. */
struct slot {
    CURL *easy;
    struct en_smtp_job *job; /* NULL: idle */
    struct upload up;
    struct curl_slist *rcpt;
    char mail_from[330];
    char errbuf[CURL_ERROR_SIZE];
};

struct en_smtp {
    CURLM *multi;
    int n;
    struct slot *slots;
    struct en_smtp_job *head, *tail; /* queued, not started */
    size_t waiting, busy;            /* queued; in flight */
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

static bool
global_init(void)
{
    static bool done; /* the sender is created before any thread starts */
    if (!done && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return false;
    return done = true;
}

static CURL *
easy_new(const char *url, long timeout_s, struct slot *s)
{
    CURL *c = curl_easy_init();
    if (!c) return NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &s->up);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(c, CURLOPT_PRIVATE, s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s > 0 ? timeout_s : 60L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    return c;
}

struct en_smtp *
en_smtp_new(const char *url, long timeout_s, int connections, char *err, size_t errlen)
{
    if (!global_init()) {
        snprintf(err, errlen, "libcurl: global init failed");
        return NULL;
    }
    int n = connections > 0 ? connections : 1;
    struct en_smtp *t = calloc(1, sizeof *t);
    bool ok =
        t && (t->slots = calloc((size_t)n, sizeof *t->slots)) && (t->multi = curl_multi_init());
    if (ok) t->n = n;
    for (int i = 0; ok && i < n; i++)
        ok = (t->slots[i].easy = easy_new(url, timeout_s, &t->slots[i])) != NULL;
    if (!ok) {
        en_smtp_free(t);
        snprintf(err, errlen, "libcurl: out of memory");
        return NULL;
    }
    curl_multi_setopt(t->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)t->n);
    curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, (long)t->n); /* keep every idle one */
    return t;
}

void
en_smtp_free(struct en_smtp *t)
{
    if (!t) return;
    for (int i = 0; t->slots && i < t->n; i++)
        curl_easy_cleanup(t->slots[i].easy);
    curl_multi_cleanup(t->multi); /* closes the cached connections */
    free(t->slots);
    free(t);
}

static void
fail(struct en_smtp_job *j, const char *why)
{
    j->result = EN_SMTP_RETRY;
    snprintf(j->why, sizeof j->why, "%s", why);
    j->done = true;
}

/* Put `j` on the idle slot `s`; false (and j failed) when it cannot start. */
static bool
start(struct en_smtp *t, struct slot *s, struct en_smtp_job *j)
{
    if (!(s->rcpt = curl_slist_append(NULL, j->to))) {
        fail(j, "out of memory");
        return false;
    }
    snprintf(s->mail_from, sizeof s->mail_from, "<%s>", j->from);
    s->up = (struct upload){buf_str(j->msg), j->msg->len};
    s->errbuf[0] = '\0';
    curl_easy_setopt(s->easy, CURLOPT_MAIL_FROM, s->mail_from);
    curl_easy_setopt(s->easy, CURLOPT_MAIL_RCPT, s->rcpt);
    curl_easy_setopt(s->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)j->msg->len);
    if (curl_multi_add_handle(t->multi, s->easy) != CURLM_OK) {
        curl_slist_free_all(s->rcpt), s->rcpt = NULL;
        fail(j, "libcurl: cannot start the transfer");
        return false;
    }
    s->job = j;
    t->busy++;
    return true;
}

/* The transfer on `s` ended with `rc`: the job's outcome, and the slot idle again. */
static void
finish(struct en_smtp *t, struct slot *s, CURLcode rc)
{
    struct en_smtp_job *j = s->job;
    long code = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
    curl_multi_remove_handle(t->multi, s->easy); /* its connection goes to the cache */
    curl_easy_setopt(s->easy, CURLOPT_MAIL_RCPT, NULL);
    curl_slist_free_all(s->rcpt), s->rcpt = NULL;
    s->job = NULL;
    t->busy--;
    j->done = true;
    j->result = rc == CURLE_OK              ? EN_SMTP_SENT
                : code >= 500 && code < 600 ? EN_SMTP_PARK
                                            : EN_SMTP_RETRY;
    if (rc != CURLE_OK)
        snprintf(j->why, sizeof j->why, "smtp %ld: %s", code,
                 s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
}

void
en_smtp_queue(struct en_smtp *t, struct en_smtp_job *j)
{
    j->done = false, j->next = NULL;
    if (t->tail)
        t->tail->next = j;
    else
        t->head = j;
    t->tail = j;
    t->waiting++;
}

size_t
en_smtp_waiting(const struct en_smtp *t)
{
    return t->waiting;
}

static struct en_smtp_job *
dequeue(struct en_smtp *t)
{
    struct en_smtp_job *j = t->head;
    if (!(t->head = j->next)) t->tail = NULL;
    t->waiting--;
    return j;
}

/* Give the idle slots queued jobs, or fail every queued job when `late`. */
static void
fill(struct en_smtp *t, bool late)
{
    while (late && t->head) {
        struct en_smtp_job *j = dequeue(t);
        fail(j, "not tried: the pass ran out of time");
        j->untried = true;
    }
    for (int i = 0; i < t->n && t->head; i++)
        while (!t->slots[i].job && t->head)
            start(t, &t->slots[i], dequeue(t)); /* a job that cannot start is failed */
}

/* Collect the ended transfers; how many ended. */
static int
reap(struct en_smtp *t)
{
    int ended = 0, left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(t->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        struct slot *s = NULL;
        CURLcode rc = m->data.result; /* m dies with the handle's removal */
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
        finish(t, s, rc);
        ended++;
    }
    return ended;
}

/* The multi handle broke: every transfer in flight is retried later. */
static void
abandon(struct en_smtp *t, CURLMcode mc)
{
    for (int i = 0; i < t->n; i++) {
        struct en_smtp_job *j = t->slots[i].job;
        if (!j) continue;
        finish(t, &t->slots[i], CURLE_OK);
        char why[256];
        snprintf(why, sizeof why, "libcurl: %s", curl_multi_strerror(mc));
        fail(j, why);
    }
}

size_t
en_smtp_step(struct en_smtp *t, bool late, int wait_ms)
{
    fill(t, late);
    if (t->busy == 0) return t->waiting;
    int running = 0;
    CURLMcode mc = curl_multi_perform(t->multi, &running);
    if (mc == CURLM_OK && reap(t) == 0 && running > 0)
        mc = curl_multi_poll(t->multi, NULL, 0, wait_ms, NULL);
    if (mc != CURLM_OK) abandon(t, mc);
    fill(t, late); /* the slots that just ended take the next jobs at once */
    return t->waiting + t->busy;
}
