/*
 * ep_hit.c - click and open: verify, classify, record, answer
 *
 * Neither needs the database: the token says who and what, the bot rules
 * say whether a person did it, and the event goes to the spool. A click
 * only ever redirects to the http(s) URL bound in a verified token, so the
 * tracker cannot be used as an open redirect; the answer carries
 * Referrer-Policy: no-referrer so the token never reaches the destination.
 */
#define LOG_MODULE "track"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "burst.h"
#include "endpoints.h"
#include "gen.h"
#include "jsonw.h"
#include "log.h"
#include "metrics.h"
#include "uuid.h"

static int64_t
delay_since_send(const struct tok_claims *c, int64_t now_us)
{
    int64_t sent = uuid_v7_ms(c->message); /* -1: not a time-ordered id */
    if (sent < 0) return -1;
    int64_t d = now_us / 1000 - sent;
    return d < 0 ? 0 : d; /* a few ms of clock skew between hosts */
}

/* Only web destinations are followed, whatever a signed token says. */
static bool
web_url(const char *url)
{
    return strncasecmp(url, "https://", 8) == 0 || strncasecmp(url, "http://", 7) == 0;
}

/* The destination as a Location value: bytes a header may not carry raw are %-encoded. */
static bool
location_of(const struct tok_claims *c, struct buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < c->url_len; i++) {
        unsigned char ch = (unsigned char)c->url[i];
        bool raw = ch > 0x20 && ch < 0x7f;
        if (raw ? !buf_putc(out, (char)ch) : !buf_printf(out, "%%%c%c", hex[ch >> 4], hex[ch & 15]))
            return false;
    }
    return true;
}

static void
classify(const struct tr_gen *g, const struct tr_request *rq, const struct tok_claims *c,
         int64_t delay_ms, struct bot_verdict *v)
{
    bool click = c->purpose == TOK_CLICK;
    struct bot_hit h = {
        .click = click,
        .head = rq->method == TR_HEAD,
        .honeypot = click && c->link == BOT_HONEYPOT_LINK,
        .user_agent = rq->user_agent,
        .ip = rq->ip,
        .delay_ms = delay_ms,
    };
    if (click && !h.honeypot && g->shared->burst)
        h.burst_links = burst_note(g->shared->burst, c->message, c->contact, c->link, rq->now_us,
                                   g->cfg->track.burst_window_ms * 1000);
    bot_classify(g->bot, &h, v);
    tr_metrics_bot_class(g->shared->metrics, v->cls);
}

/* The event's data into `out`: {"link": N, "url": "..."} for clicks; false on out of memory. */
static bool
event_data(const struct tok_claims *c, struct buf *out)
{
    struct jw w = JW_INIT(out);
    jw_int(&w, "link", c->link);
    jw_strn(&w, "url", c->url, c->url_len);
    return jw_end(&w);
}

/* Encode the email.click / email.open event into `rec`. -1 on out of memory or encoding. */
static int
record_hit(const struct tr_gen *g, const struct tr_request *rq, const struct tok_claims *c,
           struct tr_record *rec)
{
    char message[TOK_UUID_STRLEN + 1], err[256];
    struct bot_verdict v;
    int64_t delay = delay_since_send(c, rq->now_us);
    classify(g, rq, c, delay, &v);
    tok_uuid_format(c->message, message);
    struct buf data = BUF_INIT;
    if (c->purpose == TOK_CLICK && !event_data(c, &data)) {
        buf_free(&data);
        return -1;
    }
    struct rec_event ev = {
        .contact_id = c->contact,
        .type = c->purpose == TOK_CLICK ? "email.click" : "email.open",
        .occurred_us = rq->now_us,
        .source = "track",
        .message_id = message,
        .data = data.len ? buf_str(&data) : NULL,
        .data_written = true,
        .bot_class = v.cls,
        .bot_reason = v.reason,
        .user_agent = rq->user_agent,
        .ip = rq->ip[0] ? rq->ip : NULL,
        .delay_ms = delay,
    };
    /* Time-ordered ids: each batch's rows land at the right edge of the events'
     * primary key and (xid, id) indexes instead of at random pages of them. */
    struct buf out = BUF_INIT;
    int rc = -1;
    if (rec_new_event_id(rq->now_us, ev.id))
        rc = rec_encode_event(&ev, &out, err, sizeof err);
    else
        snprintf(err, sizeof err, "no random bytes for an event id");
    buf_free(&data);
    if (rc == 0 && !tr_record_take(rec, &out)) {
        rc = -1;
        snprintf(err, sizeof err, "out of memory");
    }
    if (rc < 0) log_error(rq->ip, "cannot record %s: %s", ev.type, err);
    buf_free(&out);
    return rc;
}

int
tr_ep_click(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
            struct tr_record *rec)
{
    struct tok_claims c;
    if (!tr_ep_verified(g, rq, TOK_CLICK, &c, rp)) return 0;
    if (!web_url(c.url)) {
        log_warn(rq->ip, "signed click token for a non-web URL refused (key %s)", c.key_id);
        tr_reply_not_found(rp);
        return 0;
    }
    if (!location_of(&c, &rp->location) || record_hit(g, rq, &c, rec) < 0) return -1;
    rp->status = 302;
    rp->kind = TR_BODY_EMPTY;
    return 0;
}

int
tr_ep_open(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
           struct tr_record *rec)
{
    struct tok_claims c;
    if (!tr_ep_verified(g, rq, TOK_OPEN, &c, rp)) return 0;
    if (record_hit(g, rq, &c, rec) < 0) return -1;
    rp->status = 200;
    rp->kind = TR_BODY_GIF;
    return 0;
}
