/*
 * shell.c - libmilter callbacks (see shell.h)
 *
 * Every callback finds its state through ops->getpriv; every step but end
 * of message was negotiated without a reply, so those callbacks answer
 * SMFIS_NOREPLY (or CONTINUE when the MTA did not agree to skip replies).
 */
#define LOG_MODULE "milter"

#include "shell.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "log.h"

#define WANT_NO (SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NOUNKNOWN)
#define WANT_NR                                                                                    \
    (SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)

static const struct smfi_ops *ops = &smfi_real_ops;
static pthread_mutex_t gen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct milter_gen *current;

void
milter_shell_init(const struct smfi_ops *o)
{
    ops = o;
}

void
milter_shell_set_gen(struct milter_gen *g)
{
    pthread_mutex_lock(&gen_lock);
    struct milter_gen *old = current;
    current = g;
    pthread_mutex_unlock(&gen_lock);
    milter_gen_unref(old);
}

struct milter_gen *
milter_shell_gen(void)
{
    pthread_mutex_lock(&gen_lock);
    struct milter_gen *g = milter_gen_ref(current);
    pthread_mutex_unlock(&gen_lock);
    return g;
}

/* ---- helpers ---- */

static struct milter_conn *
conn_of(SMFICTX *ctx)
{
    return ops->getpriv(ctx);
}

/* The connection, created (pinning the current generation) on first use. */
static struct milter_conn *
conn_get(SMFICTX *ctx)
{
    struct milter_conn *c = conn_of(ctx);
    if (c) return c;
    struct milter_gen *g = milter_shell_gen();
    if (!g) return NULL;
    c = milter_conn_new(g);
    milter_gen_unref(g);
    if (c && ops->setpriv(ctx, c) != MI_SUCCESS) {
        milter_conn_free(c);
        c = NULL;
    }
    return c;
}

static sfsistat
noreply(const struct milter_conn *c, unsigned long flag)
{
    return c && (c->pflags & flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static void
read_qid(SMFICTX *ctx, struct milter_msg *m)
{
    const char *q = ops->getsymval(ctx, "i");
    if (q && *q) snprintf(m->qid, sizeof m->qid, "%s", q);
}

static int64_t
now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* ---- negotiation and envelope ---- */

sfsistat
milter_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                 unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
                 unsigned long *pf3)
{
    const unsigned long need = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY;
    struct milter_conn *c = conn_get(ctx);
    if (!c) {
        log_error("-", "no configuration or no memory for a new connection");
        return SMFIS_REJECT;
    }
    if ((f0 & need) != need) {
        log_error("-", "the MTA does not allow adding/changing headers and the body (0x%lx)", f0);
        return SMFIS_REJECT;
    }
    unsigned long want = WANT_NO | WANT_NR | SMFIP_HDR_LEADSPC;
    if (c->gen->split) want &= ~(unsigned long)SMFIP_NR_RCPT; /* RCPT may get a 452 */
    *pf0 = f0 & MILTER_ACTIONS;
    *pf1 = f1 & want;
    *pf2 = *pf3 = 0;
    c->pflags = *pf1;
    if (*pf0 & SMFIF_SETSYMLIST) {
        ops->setsymlist(ctx, SMFIM_CONNECT, MILTER_MACROS_CONNECT);
        ops->setsymlist(ctx, SMFIM_ENVFROM, MILTER_MACROS_MAIL);
        ops->setsymlist(ctx, SMFIM_ENVRCPT, MILTER_MACROS_RCPT);
        ops->setsymlist(ctx, SMFIM_EOH, MILTER_MACROS_EOH);
        ops->setsymlist(ctx, SMFIM_EOM, MILTER_MACROS_EOM);
    }
    (void)f2, (void)f3;
    return SMFIS_CONTINUE;
}

sfsistat
milter_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    struct milter_conn *c = conn_get(ctx);
    if (!c) return SMFIS_TEMPFAIL;
    if (addr && (addr->sa_family == AF_INET || addr->sa_family == AF_INET6)) {
        c->addr_known = true;
        c->addr_trusted = trust_sockaddr(c->gen->trust, addr);
    }
    /* Postfix's cleanup presents non-SMTP mail as localhost [127.0.0.1], port 0: no SMTP
     * client ever has port 0. */
    c->local_submission = addr && addr->sa_family == AF_INET &&
                          ((const struct sockaddr_in *)(const void *)addr)->sin_port == 0;
    (void)host;
    return noreply(c, SMFIP_NR_CONN);
}

/* The client address from the macro, when connect did not tell (a local socket). */
static void
addr_from_macro(SMFICTX *ctx, struct milter_conn *c)
{
    if (c->addr_known) return;
    const char *a = ops->getsymval(ctx, "{client_addr}");
    if (!a || !*a) return;
    c->addr_known = true;
    c->addr_trusted = trust_text(c->gen->trust, a);
}

sfsistat
milter_envfrom(SMFICTX *ctx, char **argv)
{
    struct milter_conn *c = conn_get(ctx);
    if (!c) return SMFIS_TEMPFAIL;
    struct milter_msg *m = milter_conn_begin_msg(c);
    if (!m) return SMFIS_TEMPFAIL;
    const char *from = argv && argv[0] ? argv[0] : "";
    size_t n = strlen(from);
    if (n >= 2 && from[0] == '<' && from[n - 1] == '>') from++, n -= 2;
    if (!(m->sender = strndup(from, n))) return SMFIS_TEMPFAIL;
    addr_from_macro(ctx, c);
    const char *auth = ops->getsymval(ctx, "{auth_authen}");
    m->auth = auth && *auth;
    if (m->auth && !(m->login = strdup(auth))) return SMFIS_TEMPFAIL;
    m->trusted = c->addr_trusted || m->auth;
    m->sender_managed = trust_sender_managed(c->gen->cfg->milter.managed_senders, m->sender);
    return noreply(c, SMFIP_NR_MAIL);
}

sfsistat
milter_envrcpt(SMFICTX *ctx, char **argv)
{
    struct milter_conn *c = conn_of(ctx);
    struct milter_msg *m = c ? c->msg : NULL;
    if (!m) return noreply(c, SMFIP_NR_RCPT);
    /* Split by deferring: not for non-SMTP mail, whose sender cannot resubmit (Postfix keeps
     * it queued as a configuration error); it gets anonymous tracking instead. */
    if (c->gen->split && !c->local_submission && m->trusted && m->sender_managed &&
        m->rcpts_seen >= 1) {
        ops->setreply(ctx, "452", "4.5.3", "Too many recipients: send one message per recipient");
        return SMFIS_TEMPFAIL;
    }
    if (!milter_msg_add_rcpt(m, argv && argv[0] ? argv[0] : "")) return SMFIS_TEMPFAIL;
    return noreply(c, SMFIP_NR_RCPT);
}

/* ---- content ---- */

sfsistat
milter_header(SMFICTX *ctx, char *name, char *value)
{
    struct milter_conn *c = conn_of(ctx);
    struct milter_msg *m = c ? c->msg : NULL;
    if (!m) return noreply(c, SMFIP_NR_HDR);
    m->size += strlen(name) + strlen(value) + 3;
    bool control = ctl_is_control(name);
    if (m->nhdrs >= MILTER_MAX_HEADERS) {
        m->oversize = true; /* the message is left alone, but its control headers still go */
        if (!control) return noreply(c, SMFIP_NR_HDR);
    }
    if (m->nhdrs >= MILTER_MAX_HEADERS + MILTER_MAX_CONTROL ||
        !milter_msg_add_header(m, name, value)) {
        bool capped = m->nhdrs >= MILTER_MAX_HEADERS + MILTER_MAX_CONTROL;
        m->oversize = true;
        if (control && capped) m->unstrippable = true;
        if (control && !capped) m->control_lost = true; /* out of memory: try again later */
        return noreply(c, SMFIP_NR_HDR);
    }
    if (control) m->ncontrol++;
    return noreply(c, SMFIP_NR_HDR);
}

/* Read the trusted submitter's control headers, now that the queue id is known. */
static void
read_control(struct milter_msg *m)
{
    char err[256];
    for (size_t i = 0; i < m->nhdrs; i++) {
        const struct milter_hdr *h = &m->hdrs[i];
        if (ctl_is_control(h->name) && ctl_apply(&m->ctl, h->name, h->value, err, sizeof err) < 0)
            log_warn(m->qid, "ignored: %s", err);
    }
}

sfsistat
milter_eoh(SMFICTX *ctx)
{
    struct milter_conn *c = conn_of(ctx);
    struct milter_msg *m = c ? c->msg : NULL;
    if (!m) return noreply(c, SMFIP_NR_EOH);
    read_qid(ctx, m);
    if (m->trusted) read_control(m);
    m->managed = m->trusted && (m->ncontrol > 0 || m->sender_managed);
    if ((int64_t)m->size > c->gen->cfg->milter.max_size) m->oversize = true;
    return noreply(c, SMFIP_NR_EOH);
}

sfsistat
milter_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct milter_conn *c = conn_of(ctx);
    struct milter_msg *m = c ? c->msg : NULL;
    if (!m) return noreply(c, SMFIP_NR_BODY);
    m->size += len;
    if (!m->managed || m->oversize) return noreply(c, SMFIP_NR_BODY);
    if ((int64_t)m->size > c->gen->cfg->milter.max_size || !buf_append(&m->body, chunk, len)) {
        m->oversize = true;
        buf_free(&m->body);
    }
    return noreply(c, SMFIP_NR_BODY);
}

/* ---- end of message ---- */

/* Run the pipeline; -1 with `err` when it failed (the plan is then reset). */
static int
process(SMFICTX *ctx, struct milter_conn *c, struct plan *p, int *verdict, char *err, size_t errlen)
{
    struct milter_msg *m = c->msg;
    const struct milter_deps *d = c->gen->deps;
    if (!d || !d->process) return milter_msg_plan_strip(m, p) ? 0 : -1;
    struct milter_job job = {
        .gen = c->gen,
        .msg = m,
        .ops = ops,
        .ctx = ctx,
        .leadspc = (c->pflags & SMFIP_HDR_LEADSPC) != 0,
        .now_us = now_us(),
        .verdict = SMFIS_CONTINUE,
    };
    if (d->process(&job, p, err, errlen) < 0) {
        plan_reset(p);
        return -1;
    }
    *verdict = job.verdict;
    if (job.verdict != SMFIS_CONTINUE) {
        log_info(m->qid, "message hook verdict: %s", job.verdict_reason);
        if (job.verdict == SMFIS_REJECT)
            ops->setreply(ctx, "550", "5.7.1",
                          job.verdict_reason[0] ? job.verdict_reason : "Rejected");
        else if (job.verdict == SMFIS_TEMPFAIL)
            ops->setreply(ctx, "451", "4.7.1",
                          job.verdict_reason[0] ? job.verdict_reason : "Try again later");
    }
    return 0;
}

/* Decide the plan for the current message; returns the verdict. */
static sfsistat
decide(SMFICTX *ctx, struct milter_conn *c, struct plan *p)
{
    struct milter_msg *m = c->msg;
    char err[512] = "";
    if (m->unstrippable) { /* delivered, its X-Tern-* headers would go out as they came */
        log_warn(m->qid, "rejected: more control headers than can be removed");
        ops->setreply(ctx, "550", "5.7.1", "Too many X-Tern header fields");
        return SMFIS_REJECT;
    }
    if (m->control_lost) {
        log_error(m->qid, "out of memory keeping a control header; tempfailed");
        ops->setreply(ctx, "451", "4.3.0", "Temporary failure reading the message");
        return SMFIS_TEMPFAIL;
    }
    if (!m->trusted) {
        if (m->ncontrol)
            log_info(m->qid, "removed %zu control header(s) of an untrusted submitter",
                     m->ncontrol);
        return milter_msg_plan_strip(m, p) ? SMFIS_CONTINUE : SMFIS_TEMPFAIL;
    }
    if (!m->managed) return SMFIS_CONTINUE;
    if (m->oversize) {
        log_info(m->qid, "managed message over milter.max_size (%zu bytes): delivered untouched",
                 m->size);
        return milter_msg_plan_strip(m, p) ? SMFIS_CONTINUE : SMFIS_TEMPFAIL;
    }
    int verdict = SMFIS_CONTINUE;
    if (process(ctx, c, p, &verdict, err, sizeof err) == 0) return verdict;
    if (c->gen->tempfail_on_error) {
        log_error(m->qid, "cannot personalize: %s; tempfailed (on_error = tempfail)", err);
        ops->setreply(ctx, "451", "4.3.0", "Temporary failure personalizing the message");
        return SMFIS_TEMPFAIL;
    }
    log_error(m->qid, "cannot personalize: %s; delivered as submitted", err);
    return milter_msg_plan_strip(m, p) ? SMFIS_CONTINUE : SMFIS_TEMPFAIL;
}

/* The record the rewrite made, now that the MTA took the rewritten message. */
static void
write_record(struct milter_conn *c)
{
    struct milter_msg *m = c->msg;
    const struct milter_deps *d = c->gen->deps;
    char err[256];
    if (!m->rec_pending || !d || !d->record) return;
    if (d->record(d->record_ctx, &m->rec, err, sizeof err) < 0)
        log_warn(m->qid, "message %s not recorded: %s", m->rec.id, err);
}

sfsistat
milter_eom(SMFICTX *ctx)
{
    struct milter_conn *c = conn_of(ctx);
    if (!c || !c->msg) return SMFIS_CONTINUE;
    read_qid(ctx, c->msg);
    struct plan p;
    plan_init(&p);
    sfsistat r = decide(ctx, c, &p);
    char err[256];
    if (r == SMFIS_CONTINUE &&
        plan_run(&p, ops, ctx, (c->pflags & SMFIP_HDR_LEADSPC) != 0, err, sizeof err) < 0) {
        log_error(c->msg->qid, "%s; tempfailed", err);
        r = SMFIS_TEMPFAIL;
    }
    if (r == SMFIS_CONTINUE) write_record(c);
    plan_free(&p);
    milter_conn_end_msg(c);
    return r;
}

sfsistat
milter_abort(SMFICTX *ctx)
{
    struct milter_conn *c = conn_of(ctx);
    if (c) milter_conn_end_msg(c);
    return SMFIS_CONTINUE;
}

sfsistat
milter_close(SMFICTX *ctx)
{
    struct milter_conn *c = conn_of(ctx);
    if (!c) return SMFIS_CONTINUE;
    ops->setpriv(ctx, NULL);
    milter_conn_free(c);
    return SMFIS_CONTINUE;
}

void
milter_shell_desc(struct smfiDesc *d, const char *name)
{
    memset(d, 0, sizeof *d);
    d->xxfi_name = (char *)name;
    d->xxfi_version = SMFI_VERSION;
    d->xxfi_flags = MILTER_ACTIONS;
    d->xxfi_negotiate = milter_negotiate;
    d->xxfi_connect = milter_connect;
    d->xxfi_envfrom = milter_envfrom;
    d->xxfi_envrcpt = milter_envrcpt;
    d->xxfi_header = milter_header;
    d->xxfi_eoh = milter_eoh;
    d->xxfi_body = milter_body;
    d->xxfi_eom = milter_eom;
    d->xxfi_abort = milter_abort;
    d->xxfi_close = milter_close;
}
