/*
 * rewrite.c - the pipeline of one managed message (see rewrite.h)
 */
#define LOG_MODULE "milter"

#include "rewrite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "b64.h"
#include "lh_msg.h"
#include "links.h"
#include "log.h"
#include "mime.h"
#include "preheader.h"
#include "tenant.h"
#include "tpl.h"
#include "tplcache.h"
#include "tracking.h"
#include "view.h"

#define PROGRESS_EVERY_US 1000000 /* see progress() */

struct rw {
    struct milter_job *job;
    struct trk trk;
    json_t *contact; /* NULL: anonymous */
    json_t *view;
    json_t *hook_view;
    char category[16];
    char message_id[37];
    const char *tenant;
    char login_tenant[TENANT_NAME_MAX + 1]; /* milter.sasl_tenants' tenant of the login */
    const char *recipient;
    bool clicks, opens;
    struct buf subject;   /* rendered, UTF-8, for the record */
    struct buf preheader; /* its hidden element for the first HTML leaf; empty: none */
    struct links_opts lopts;
    int64_t progress_us;        /* when the MTA last heard from us (monotonic) */
    int64_t render_deadline_ms; /* monotonic: the message's templates render until then */
};

static int
oom(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    return -1;
}

static int64_t
monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Tell the MTA the message is still being worked on, at most once per
 * PROGRESS_EVERY_US: each call is a packet on the socket and a wake-up of
 * the MTA, and a newsletter is done in well under a millisecond. A slow
 * one (a big body, a slow contact lookup) still reports before every step.
 */
static void
progress(struct rw *rw)
{
    int64_t now = monotonic_us();
    if (now - rw->progress_us < PROGRESS_EVERY_US) return;
    rw->progress_us = now;
    if (rw->job->ops && rw->job->ops->progress) rw->job->ops->progress(rw->job->ctx);
}

/* ---- 1. who the message is for ---- */

static void
find_contact(struct rw *rw)
{
    const struct milter_deps *d = rw->job->gen->deps;
    struct milter_msg *m = rw->job->msg;
    if (m->rcpts_seen != 1) {
        log_info(m->qid, "%zu recipients: anonymous tracking", m->rcpts_seen);
        return;
    }
    if (!d->contact) return;
    char err[256];
    json_t *c = NULL;
    int rc = d->contact(d->contact_ctx, rw->tenant, rw->recipient, &c, err, sizeof err);
    if (rc < 0) log_warn(m->qid, "contact lookup failed: %s; anonymous tracking", err);
    if (rc == 0)
        log_info(m->qid, "no contact %s in tenant %s: anonymous tracking", rw->recipient,
                 rw->tenant);
    if (rc <= 0) return;
    json_int_t id = json_integer_value(json_object_get(c, "id"));
    if (id <= 0) {
        log_warn(m->qid, "contact of %s has no id: anonymous tracking", rw->recipient);
        json_decref(c);
        return;
    }
    rw->contact = c;
    rw->trk.contact = id;
}

/*
 * A login that milter.sasl_tenants maps sends for its tenant only: a
 * country team's shop cannot reach another team's contacts by naming
 * them in X-Tern-Tenant. Otherwise X-Tern-Tenant, else milter.tenant.
 */
static const char *
choose_tenant(struct rw *rw, const struct config *cfg)
{
    const struct milter_msg *m = rw->job->msg;
    if (!tenant_map_find(cfg->milter.sasl_tenants, m->login, rw->login_tenant))
        return m->ctl.tenant ? m->ctl.tenant : cfg->milter.tenant;
    if (m->ctl.tenant && strcmp(m->ctl.tenant, rw->login_tenant) != 0)
        log_warn(m->qid, "X-Tern-Tenant %s ignored: login %s sends for tenant %s", m->ctl.tenant,
                 m->login, rw->login_tenant);
    return rw->login_tenant;
}

static int
identify(struct rw *rw, char *err, size_t errlen)
{
    struct milter_msg *m = rw->job->msg;
    const struct config *cfg = rw->job->gen->cfg;
    if (m->ctl.has_message) {
        memcpy(rw->message_id, m->ctl.message, sizeof rw->message_id);
        tok_uuid_parse(rw->message_id, 36, rw->trk.message);
    } else if (!trk_new_message_id(rw->trk.message, rw->message_id, rw->job->now_us)) {
        snprintf(err, errlen, "no randomness for a message id");
        return -1;
    }
    rw->tenant = choose_tenant(rw, cfg);
    rw->recipient = m->nrcpts ? m->rcpts[0] : "";
    snprintf(rw->category, sizeof rw->category, "%s", ctl_category_name(m->ctl.category));
    rw->clicks = m->ctl.track_clicks;
    rw->opens = m->ctl.track_opens;
    rw->trk.ring = rw->job->gen->ring;
    rw->trk.base_url = cfg->track.base_url;
    rw->trk.now = rw->job->now_us / 1000000;
    find_contact(rw);
    return 0;
}

/* ---- 2. message hooks ---- */

static bool
header_list(const struct milter_msg *m, struct lh_header **out)
{
    *out = calloc(m->nhdrs + 1, sizeof **out);
    if (!*out) return false;
    for (size_t i = 0; i < m->nhdrs; i++) {
        const char *v = m->hdrs[i].value;
        (*out)[i].name = m->hdrs[i].name;
        (*out)[i].value = v[0] == ' ' ? v + 1 : v;
    }
    return true;
}

/* Queue deletion of every header called `name` (last first). */
static bool
plan_remove_all(const struct milter_msg *m, const char *name, struct plan *p)
{
    for (size_t i = m->nhdrs; i-- > 0;)
        if (strcasecmp(m->hdrs[i].name, name) == 0 &&
            !plan_change_header(p, m->hdrs[i].name, m->hdrs[i].index, NULL))
            return false;
    return true;
}

static int
apply_hook_result(struct rw *rw, struct lh_message *lm, struct plan *p, char *err, size_t errlen)
{
    struct milter_job *job = rw->job;
    snprintf(rw->category, sizeof rw->category, "%s",
             strcmp(lm->category, "transactional") == 0 ? "transactional" : "marketing");
    rw->clicks = lm->track_clicks;
    rw->opens = lm->track_opens;
    rw->hook_view = json_incref(lm->view);
    for (size_t i = 0; i < lm->nedits; i++) {
        const struct lh_header_edit *e = &lm->edits[i];
        if (ctl_is_control(e->name)) continue; /* never re-add control headers */
        bool good = e->remove ? plan_remove_all(job->msg, e->name, p)
                              : plan_add_header(p, e->name, e->value ? e->value : "");
        if (!good) return oom(err, errlen);
    }
    static const int verdicts[] = {SMFIS_CONTINUE, SMFIS_REJECT, SMFIS_TEMPFAIL, SMFIS_DISCARD};
    job->verdict = verdicts[lm->action];
    if (lm->reason) snprintf(job->verdict_reason, sizeof job->verdict_reason, "%s", lm->reason);
    return 0;
}

static int
run_hooks(struct rw *rw, struct plan *p, char *err, size_t errlen)
{
    const struct milter_deps *d = rw->job->gen->deps;
    struct milter_msg *m = rw->job->msg;
    if (!d->hooks) return 0;
    struct lh_message lm;
    struct lh_header *hdrs = NULL;
    if (lh_message_init(&lm) < 0 || !header_list(m, &hdrs)) {
        lh_message_free(&lm);
        return oom(err, errlen);
    }
    lm.envelope_from = m->sender;
    lm.recipients = (const char *const *)m->rcpts;
    lm.nrecipients = m->nrcpts;
    lm.headers = hdrs;
    lm.nheaders = m->nhdrs;
    lm.contact = rw->contact;
    lm.data = m->ctl.data;
    lm.message_id = rw->message_id;
    lm.journey = m->ctl.journey;
    lm.step = m->ctl.step;
    lm.template_name = m->ctl.template_name;
    free(lm.category);
    lm.category = strdup(rw->category);
    lm.track_clicks = rw->clicks;
    lm.track_opens = rw->opens;
    int rc = lm.category ? d->hooks(d->hooks_ctx, &lm, err, errlen) : oom(err, errlen);
    if (rc == 0) rc = apply_hook_result(rw, &lm, p, err, errlen);
    lh_message_free(&lm);
    free(hdrs);
    return rc;
}

/* ---- 4. subject ---- */

/*
 * Encoded words of at most 39 bytes of text (64 characters, 73 after
 * "Subject: "), one to a line:
 * folded with "\n " (libmilter's form; Postfix adds the CR), so no line of
 * the header passes RFC 2047's 76 characters, nor RFC 5322's 998 however
 * long the subject, and nothing downstream breaks a DKIM-signed line.
 */
bool
rw_encode_header(const char *s, struct buf *out)
{
    bool ascii = true;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p > 0x7e) ascii = false;
    if (ascii && !strstr(s, "=?")) return buf_puts(out, s);
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t take = n - i < 39 ? n - i : 39;
        while (i + take < n && ((unsigned char)s[i + take] & 0xc0) == 0x80)
            take--; /* whole chars */
        if (take == 0) take = 1;
        if ((i && !buf_puts(out, "\n ")) || !buf_puts(out, "=?UTF-8?B?") ||
            !b64_encode_buf(out, s + i, take, B64_STD) || !buf_puts(out, "?="))
            return false;
        i += take;
    }
    return true;
}

/* Render `src` as a template into `out` (compiled once per source: milter/tplcache.h),
 * within what is left of the message's milter.render_timeout. */
static int
render(const struct rw *rw, const char *src, size_t len, const char *name, enum tpl_context cx,
       struct buf *out, char *err, size_t errlen)
{
    json_t *view = rw->view;
    struct tpl_error te;
    struct tplc_hold *hold;
    const struct tpl *t = tplc_get(src, len, name, &te, &hold);
    if (!t) {
        snprintf(err, errlen, "%s template: %s", name, te.msg);
        return -1;
    }
    struct tpl_render_opts ro = {.context = cx, .deadline_ms = rw->render_deadline_ms};
    int rc = tpl_render(t, view, &ro, out, &te);
    if (rc < 0) snprintf(err, errlen, "%s template: %s", name, te.msg);
    tplc_release(hold);
    return rc;
}

/* Whether a header value holds bytes outside ASCII (invalid without SMTPUTF8). */
static bool
has_8bit(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80) return true;
    return false;
}

static int
do_subject(struct rw *rw, struct plan *p, char *err, size_t errlen)
{
    const char *raw = milter_msg_header(rw->job->msg, "Subject");
    if (!raw) return 0;
    struct buf dec = BUF_INIT, enc = BUF_INIT;
    int rc = -1;
    mime_header_decode(raw[0] == ' ' ? raw + 1 : raw, &dec);
    if (!strstr(buf_str(&dec), "{{")) { /* nothing to render */
        rc = buf_puts(&rw->subject, buf_str(&dec)) ? 0 : oom(err, errlen);
        if (rc < 0 || !has_8bit(raw)) goto out;
        /* raw UTF-8 (the engine submits template subjects as written): encode it */
    } else if (render(rw, buf_str(&dec), dec.len, "subject", TPL_TEXT, &rw->subject, err, errlen)) {
        goto out;
    }
    if (!rw_encode_header(buf_str(&rw->subject), &enc) ||
        !plan_change_header(p, "Subject", 1, buf_str(&enc))) {
        rc = oom(err, errlen);
        goto out;
    }
    rc = 0;
out:
    buf_free(&dec);
    buf_free(&enc);
    return rc;
}

/* X-Tern-Preheader rendered as text, as the hidden element the first HTML leaf gets. */
static int
do_preheader(struct rw *rw, char *err, size_t errlen)
{
    const char *src = rw->job->msg->ctl.preheader;
    if (!src) return 0;
    struct buf dec = BUF_INIT, text = BUF_INIT;
    mime_header_decode(src, &dec);
    int rc = render(rw, buf_str(&dec), dec.len, "preheader", TPL_TEXT, &text, err, errlen);
    if (rc == 0 && text.len && !preheader_markup(buf_str(&text), text.len, &rw->preheader))
        rc = oom(err, errlen);
    buf_free(&dec);
    buf_free(&text);
    return rc;
}

/* ---- 5. text leaves ---- */

/*
 * The http(s) links of `in` as click URLs, into `out` (empty); unless
 * clicks are off, then `in` itself moves there. For HTML, `marks` (may be
 * NULL) gets where its visible body starts and ends in `out`, found in the
 * same scan.
 */
static int
track_links(struct rw *rw, const struct mime_leaf *leaf, struct buf *in, struct buf *out,
            struct links_html_marks *marks, char *err, size_t errlen)
{
    if (!rw->clicks) {
        *out = *in;
        *in = (struct buf)BUF_INIT;
        if (marks) links_html_marks(buf_str(out), out->len, marks);
        return 0;
    }
    if (leaf->kind == MIME_HTML)
        return links_rewrite_html_marked(buf_str(in), in->len, &rw->lopts, trk_click, &rw->trk, out,
                                         NULL, marks, err, errlen);
    return links_rewrite_text(buf_str(in), in->len, &rw->lopts, trk_click, &rw->trk, out, NULL, err,
                              errlen);
}

/* The open pixel, and with track.honeypot the honeypot link, into `mk` (nothing when off). */
static int
end_markup(struct rw *rw, struct buf *mk, char *err, size_t errlen)
{
    bool honeypot = rw->job->gen->cfg->track.honeypot && rw->clicks;
    if (honeypot && trk_honeypot_html(&rw->trk, mk, err, errlen) < 0) return -1;
    if (rw->opens && trk_pixel_html(&rw->trk, mk, err, errlen) < 0) return -1;
    return 0;
}

/* Insert `what` at offset `at` of `b`, in place. False on ENOMEM. */
static bool
insert(struct buf *b, size_t at, const struct buf *what)
{
    if (what->len == 0) return true;
    if (!buf_reserve(b, what->len)) return false;
    memmove(b->data + at + what->len, b->data + at, b->len - at);
    memcpy(b->data + at, what->data, what->len);
    b->len += what->len;
    b->data[b->len] = '\0';
    return true;
}

/*
 * The first HTML leaf: the pixel (and honeypot) before </body>, the
 * preheader just past <body>. The later offset is filled first so the
 * earlier one stays valid; at the same offset the preheader comes first,
 * as the reader sees the top of the body before its end.
 */
static int
add_markup(struct rw *rw, struct buf *html, const struct links_html_marks *at, char *err,
           size_t errlen)
{
    struct buf mk = BUF_INIT;
    int rc = end_markup(rw, &mk, err, errlen);
    const struct buf *pre = &rw->preheader;
    bool good =
        rc < 0 || (at->body_start > at->body_end
                       ? insert(html, at->body_start, pre) && insert(html, at->body_end, &mk)
                       : insert(html, at->body_end, &mk) && insert(html, at->body_start, pre));
    buf_free(&mk);
    return good ? rc : oom(err, errlen);
}

static int
on_leaf(void *ctx, const struct mime_leaf *leaf, struct buf *out, char *err, size_t errlen)
{
    struct rw *rw = ctx;
    bool html = leaf->kind == MIME_HTML, first_html = html && leaf->html_index == 0;
    struct buf rendered = BUF_INIT, linked = BUF_INIT;
    struct links_html_marks marks;
    int rc = -1;
    progress(rw);
    if (render(rw, leaf->text, leaf->len, html ? "html" : "text", html ? TPL_HTML : TPL_TEXT,
               &rendered, err, errlen) < 0)
        goto out;
    if (track_links(rw, leaf, &rendered, &linked, first_html ? &marks : NULL, err, errlen) < 0)
        goto out;
    if (first_html && add_markup(rw, &linked, &marks, err, errlen) < 0) goto out;
    buf_free(out); /* empty: the caller's text becomes ours (unchanged text is its to notice) */
    *out = linked;
    linked = (struct buf)BUF_INIT;
    rc = 1;
out:
    buf_free(&rendered);
    buf_free(&linked);
    return rc;
}

static int
do_body(struct rw *rw, struct plan *p, char *err, size_t errlen)
{
    struct milter_msg *m = rw->job->msg;
    struct buf hdrs = BUF_INIT;
    struct mime_edit edit;
    memset(&edit, 0, sizeof edit);
    if (!milter_msg_header_block(m, rw->job->leadspc, &hdrs)) return oom(err, errlen);
    int rc = mime_rewrite(buf_str(&hdrs), hdrs.len, buf_str(&m->body), m->body.len, on_leaf, rw,
                          &edit, err, errlen);
    buf_free(&hdrs);
    if (rc < 0) return -1;
    if (edit.skipped) { /* rendering the others would deliver half a personalized message */
        snprintf(err, errlen, "%s cannot be rendered", edit.skip_why);
        mime_edit_free(&edit);
        return -1;
    }
    progress(rw);
    bool good = true;
    if (edit.content_type)
        good = good && plan_change_header(p, "Content-Type", 1, edit.content_type);
    if (edit.transfer_encoding)
        good =
            good && plan_change_header(p, "Content-Transfer-Encoding", 1, edit.transfer_encoding);
    if ((edit.content_type || edit.transfer_encoding) && !milter_msg_header(m, "MIME-Version"))
        good = good && plan_add_header(p, "MIME-Version", "1.0");
    if (edit.body_changed) plan_set_body(p, &edit.body);
    mime_edit_free(&edit);
    return good ? 0 : oom(err, errlen);
}

/* ---- 6. headers ---- */

static int
do_list_unsubscribe(struct rw *rw, struct plan *p, char *err, size_t errlen)
{
    if (strcmp(rw->category, "marketing") != 0 || rw->trk.contact <= 0) return 0;
    struct buf v = BUF_INIT;
    rw->trk.list = rw->category;
    int rc = trk_list_unsubscribe(&rw->trk, rw->job->gen->cfg->milter.unsubscribe_mailto, &v, err,
                                  errlen);
    if (rc == 0 && (!plan_remove_all(rw->job->msg, "List-Unsubscribe", p) ||
                    !plan_remove_all(rw->job->msg, "List-Unsubscribe-Post", p) ||
                    !plan_add_header(p, "List-Unsubscribe", buf_str(&v)) ||
                    !plan_add_header(p, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click")))
        rc = oom(err, errlen);
    buf_free(&v);
    return rc;
}

/* ---- 7. record ---- */

static void
do_record(struct rw *rw)
{
    const struct milter_deps *d = rw->job->gen->deps;
    struct milter_msg *m = rw->job->msg;
    if (!d->record) return;
    struct rec_message *r = &m->rec;
    memset(r, 0, sizeof *r);
    memcpy(r->id, rw->message_id, sizeof r->id);
    r->contact_id = rw->trk.contact;
    r->recipients = (int)m->rcpts_seen;
    r->journey = m->ctl.journey;
    r->step = m->ctl.step;
    r->template_name = m->ctl.template_name;
    r->queue_id = m->qid;
    r->link_count = (int)rw->trk.links;
    r->sent_us = rw->job->now_us;
    snprintf(m->rec_category, sizeof m->rec_category, "%s", rw->category);
    r->category = m->rec_category;
    /* the rest dies with the pipeline: copies, for the shell to write after the MTA took it */
    m->rec_tenant = rw->tenant ? strdup(rw->tenant) : NULL;
    m->rec_recipient = rw->recipient ? strdup(rw->recipient) : NULL;
    m->rec_subject = strdup(buf_str(&rw->subject));
    r->tenant = m->rec_tenant, r->recipient = m->rec_recipient, r->subject = m->rec_subject;
    m->rec_pending =
        (!rw->tenant || m->rec_tenant) && (!rw->recipient || m->rec_recipient) && m->rec_subject;
    if (!m->rec_pending) log_warn(m->qid, "message %s not recorded: out of memory", r->id);
}

/* ---- the pipeline ---- */

static int
pipeline(struct rw *rw, struct plan *p, char *err, size_t errlen)
{
    if (identify(rw, err, errlen) < 0 || run_hooks(rw, p, err, errlen) < 0) return -1;
    if (rw->job->verdict != SMFIS_CONTINUE) return 0;
    rw->trk.list = rw->category;
    struct view_in vi = {rw->contact,  &rw->job->msg->ctl, rw->message_id,
                         rw->category, rw->hook_view,      &rw->trk};
    if (!(rw->view = view_build(&vi, err, errlen))) return -1;
    if (do_subject(rw, p, err, errlen) < 0 || do_preheader(rw, err, errlen) < 0 ||
        do_body(rw, p, err, errlen) < 0 || do_list_unsubscribe(rw, p, err, errlen) < 0)
        return -1;
    if (!milter_msg_plan_strip(rw->job->msg, p)) return oom(err, errlen);
    do_record(rw);
    log_info(rw->job->msg->qid, "message %s: contact %lld, %u link(s), %s", rw->message_id,
             (long long)rw->trk.contact, rw->trk.links, rw->category);
    return 0;
}

int
rw_process(struct milter_job *job, struct plan *plan, char *err, size_t errlen)
{
    struct rw rw;
    memset(&rw, 0, sizeof rw);
    rw.job = job;
    rw.progress_us = monotonic_us(); /* end of message was just received */
    rw.render_deadline_ms = rw.progress_us / 1000 + job->gen->cfg->milter.render_timeout_ms;
    rw.lopts.notrack_domains = job->gen->cfg->milter.notrack_domains;
    int rc = pipeline(&rw, plan, err, errlen);
    json_decref(rw.contact);
    json_decref(rw.view);
    json_decref(rw.hook_view);
    buf_free(&rw.subject);
    buf_free(&rw.preheader);
    return rc;
}
