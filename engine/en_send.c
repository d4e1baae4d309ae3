/*
 * en_send.c - the outbox sender's pass: claim, submit, record (see en_send.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "en_pg_int.h"
#include "en_send_int.h"

#define LOG_MODULE "sender"
#include "log.h"

#define STALE_S  600     /* a `sending` row this old lost its sender */
#define BUDGET_S 300     /* a pass starts no submission after this: well inside STALE_S */
                         /* (engine.send_pass may make it shorter, never longer) */
#define RECORD_S     120 /* left for recording a pass's outcomes */
#define TIMEOUT_MAX  (STALE_S - BUDGET_S - RECORD_S) /* longest submission of one mail */
#define PASS_BATCHES 8 /* batches of `limit` rows one pass keeps flowing */

/*
 * A row is taken by another sender only once it is STALE_S old, so a pass
 * must be over before then: submissions start until BUDGET_S, each ends
 * within its time-out, and the outcomes are recorded after the last.
 */
_Static_assert(BUDGET_S + TIMEOUT_MAX + RECORD_S <= STALE_S, "a live pass could lose its rows");

struct en_sender {
    struct en_send_cfg cfg; /* borrowed strings */
    struct en_smtp *smtp;
    int64_t last_recover;
};

struct en_sender *
en_sender_new(const struct en_send_cfg *cfg, char *err, size_t errlen)
{
    struct en_sender *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    if (cfg->timeout_s < 0 || cfg->timeout_s > TIMEOUT_MAX) {
        snprintf(err, errlen, "a submission time-out of %ld s is outside 0-%d s", cfg->timeout_s,
                 TIMEOUT_MAX);
        free(s);
        return NULL;
    }
    if (cfg->pass_s < 0 || cfg->pass_s > BUDGET_S) {
        snprintf(err, errlen, "a pass of %ld s is outside 0-%d s", cfg->pass_s, BUDGET_S);
        free(s);
        return NULL;
    }
    if (!s->cfg.pass_s) s->cfg.pass_s = BUDGET_S;
    if (!(s->smtp = en_smtp_new(cfg->smtp_url, cfg->timeout_s, cfg->connections, err, errlen))) {
        free(s);
        return NULL;
    }
    return s;
}

void
en_sender_free(struct en_sender *s)
{
    if (!s) return;
    en_smtp_free(s->smtp);
    free(s);
}

/* Rows a dead sender left `sending`: sent when the milter recorded them, else again. */
static int
recover(struct en_sender *s, PGconn *conn, int64_t now, char *err, size_t errlen)
{
    if (now - s->last_recover < 60) return 0; /* rare work: once a minute is enough */
    char cutoff[24];
    snprintf(cutoff, sizeof cutoff, "%lld", (long long)(now - STALE_S));
    const char *p[] = {cutoff};
    s->last_recover = now;
    return en_pg_cmd(conn,
                     "UPDATE outbox o SET status = CASE WHEN EXISTS (SELECT 1 FROM messages m"
                     " WHERE m.id = o.id) THEN 'sent' ELSE 'retry' END,"
                     " sent_at = CASE WHEN EXISTS (SELECT 1 FROM messages m WHERE m.id = o.id)"
                     " THEN now() END WHERE o.status = 'sending'"
                     " AND o.next_attempt_at < to_timestamp($1)",
                     1, p, err, errlen);
}

enum {
    R_CONTACT,
    R_ID,
    R_JOURNEY,
    R_STEP,
    R_CATEGORY,
    R_TENANT,
    R_TEMPLATE,
    R_DATA,
    R_ATTEMPTS,
    R_EMAIL,
    R_STATUS,
    R_SUPPRESSED,
    R_DUE_AT,
    R_GOT_THROUGH /* a retry the milter recorded: settled sent by the claim itself */
};

/*
 * Take due rows and mark them `sending` in a transaction of their own. Due
 * means by the end of this second: `now` is whole seconds, and a row queued
 * a moment ago (now() has microseconds) must not wait for the next round.
 * A retry whose message the milter recorded got through after all (the
 * connection broke, or timed out, after Postfix took it): it is settled
 * `sent` instead of being sent a second time.
 */
static PGresult *
claim(PGconn *conn, const char *now, int limit, char *err, size_t errlen)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[] = {now, lim};
    return en_pg_query(
        conn,
        "WITH due AS (SELECT contact_id, id, next_attempt_at, status = 'retry' AND EXISTS"
        " (SELECT 1 FROM messages m WHERE m.id = outbox.id) AS got_through FROM outbox"
        " WHERE status IN ('pending', 'retry') AND next_attempt_at < to_timestamp($1::bigint + 1)"
        " ORDER BY next_attempt_at, contact_id LIMIT $2 FOR UPDATE SKIP LOCKED),"
        " taken AS (UPDATE outbox o SET"
        " status = CASE WHEN due.got_through THEN 'sent' ELSE 'sending' END,"
        " attempts = o.attempts + CASE WHEN due.got_through THEN 0 ELSE 1 END,"
        " sent_at = CASE WHEN due.got_through THEN now() END,"
        " last_error = CASE WHEN due.got_through THEN NULL ELSE o.last_error END,"
        " next_attempt_at = to_timestamp($1) FROM due, contacts c"
        " WHERE o.contact_id = due.contact_id AND o.id = due.id AND c.id = o.contact_id"
        " RETURNING o.contact_id, o.id, o.journey, o.step, o.category, o.tenant, o.template,"
        " o.data::text, o.attempts, c.email, c.status, EXISTS (SELECT 1 FROM suppressions x"
        " WHERE lower(x.email) = lower(c.email) AND coalesce(x.tenant, c.tenant) = c.tenant"
        " AND x.scope IN ('all', 'marketing') AND (x.expires_at IS NULL OR x.expires_at > now())),"
        " due.next_attempt_at AS due_at, due.got_through)"
        " SELECT * FROM taken ORDER BY due_at, contact_id, id", /* oldest first */
        2, p, err, errlen);
}

/* One claimed row through the pass: its columns, its message, its outcome. */
struct mail {
    const char *v[R_SUPPRESSED + 1];
    const char *status; /* NULL: submitted, see job */
    char why[512];
    int64_t next;
    struct buf msg;
    char from[320];
    struct en_smtp_job job;
};

/*
 * Why mail must not go to this contact, or NULL: marketing only to
 * subscribed addresses without a suppression of all or marketing mail;
 * transactional mail (an order confirmation) not to bounced or
 * complaining addresses.
 */
static const char *
unsendable(const char *category, const char *status, bool suppressed)
{
    bool marketing = strcmp(category, "marketing") == 0;
    if (marketing && strcmp(status, "subscribed") != 0) return "the contact is not subscribed";
    if (marketing && suppressed) return "the address is suppressed";
    if (strcmp(status, "bounced") == 0 || strcmp(status, "complained") == 0)
        return "the address bounced or complained";
    return NULL;
}

/* Skip it, park it, or make the message: false when there is nothing to submit. */
static bool
prepare(struct en_sender *s, PGresult *rows, int i, int64_t now, struct mail *m)
{
    const char **v = m->v;
    for (int c = 0; c <= R_SUPPRESSED; c++)
        v[c] = PQgetisnull(rows, i, c) ? NULL : PQgetvalue(rows, i, c);
    m->next = now;
    if (PQgetvalue(rows, i, R_GOT_THROUGH)[0] == 't') { /* counted in the batch, not sent again */
        m->status = "sent";
        return false;
    }
    const char *no = unsendable(v[R_CATEGORY], v[R_STATUS], v[R_SUPPRESSED][0] == 't');
    if (no) {
        m->status = "skipped";
        snprintf(m->why, sizeof m->why, "%s", no);
        return false;
    }
    struct en_mail em = {v[R_ID],     v[R_JOURNEY],  v[R_STEP], v[R_CATEGORY],
                         v[R_TENANT], v[R_TEMPLATE], v[R_DATA], v[R_EMAIL]};
    if (en_send_build(&s->cfg, &em, &m->msg, m->from, sizeof m->from, m->why, sizeof m->why) < 0) {
        m->status = "parked";
        log_warn(v[R_ID], "%s to %s: %s (parked)", v[R_TEMPLATE], v[R_EMAIL], m->why);
        return false;
    }
    m->job = (struct en_smtp_job){.from = m->from, .to = v[R_EMAIL], .msg = &m->msg};
    return true;
}

/* What the submission of a prepared row came to. */
static void
settle(struct mail *m, int64_t now)
{
    enum en_smtp_result r = m->job.result;
    m->status = r == EN_SMTP_SENT ? "sent" : r == EN_SMTP_RETRY ? "retry" : "parked";
    if (r == EN_SMTP_SENT) return;
    snprintf(m->why, sizeof m->why, "%s", m->job.why);
    if (m->job.untried) return; /* due again at once, its attempt given back (record) */
    if (r == EN_SMTP_RETRY) m->next = now + en_pg_backoff(atoi(m->v[R_ATTEMPTS]));
    log_warn(m->v[R_ID], "%s to %s: %s (%s)", m->v[R_TEMPLATE], m->v[R_EMAIL], m->why, m->status);
}

/* The outcomes as [{contact_id, id, status, why, next, untried}], or NULL when out of memory. */
static char *
outcomes_json(const struct mail *m, int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++) {
        json_t *o =
            json_pack("{s:s, s:s, s:s, s:s?, s:I, s:b}", "contact_id", m[i].v[R_CONTACT], "id",
                      m[i].v[R_ID], "status", m[i].status, "why", m[i].why[0] ? m[i].why : NULL,
                      "next", (json_int_t)m[i].next, "untried", m[i].job.untried);
        if (!o || json_array_append_new(a, o) < 0) json_decref(a), a = NULL;
    }
    char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return s;
}

/* Every outcome in one statement (autocommit: it is one transaction). */
static int
record(PGconn *conn, const struct mail *m, int n, char *err, size_t errlen)
{
    char *outcomes = outcomes_json(m, n);
    if (!outcomes) {
        snprintf(err, errlen,
                 "out of memory"); /* the rows stay `sending`: recover() settles them */
        return -1;
    }
    const char *p[] = {outcomes};
    int rc = en_pg_cmd(conn,
                       "UPDATE outbox o SET status = u.status, last_error = u.why,"
                       " next_attempt_at = to_timestamp(u.next),"
                       " attempts = o.attempts - u.untried::int,"
                       " sent_at = CASE WHEN u.status = 'sent' THEN now() END"
                       " FROM jsonb_to_recordset($1::jsonb) AS u(contact_id bigint, id uuid,"
                       " status text, why text, next bigint, untried boolean)"
                       " WHERE o.contact_id = u.contact_id AND o.id = u.id",
                       1, p, err, errlen);
    free(outcomes);
    return rc;
}

/* One claimed batch on its way through a pass. */
struct batch {
    PGresult *rows;
    struct mail *m;
    int n;
    int64_t now;
};

/* Claim a batch, prepare its rows and queue the mail to submit. 0, or -1 with err. */
static int
take(struct en_sender *s, PGconn *conn, int64_t now, int limit, struct batch *b, char *err,
     size_t errlen)
{
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)now);
    *b = (struct batch){.now = now};
    if (!(b->rows = claim(conn, t, limit, err, errlen))) return -1; /* autocommit: one statement */
    b->n = PQntuples(b->rows);
    if (!(b->m = calloc(b->n ? (size_t)b->n : 1, sizeof *b->m))) {
        snprintf(err, errlen,
                 "out of memory"); /* the rows stay `sending`: recover() settles them */
        PQclear(b->rows);
        return -1;
    }
    for (int i = 0; i < b->n; i++)
        if (prepare(s, b->rows, i, now, &b->m[i])) en_smtp_queue(s->smtp, &b->m[i].job);
    return 0;
}

static bool
finished(const struct batch *b)
{
    for (int i = 0; i < b->n; i++)
        if (!b->m[i].status && !b->m[i].job.done) return false;
    return true;
}

/* Settle and record a finished batch, then free it; *untried counts its mails handed back.
 * 0 or -1 with err. */
static int
close_batch(PGconn *conn, struct batch *b, int *untried, char *err, size_t errlen)
{
    for (int i = 0; i < b->n; i++) {
        if (!b->m[i].status) settle(&b->m[i], b->now);
        *untried += b->m[i].job.untried;
    }
    int rc = b->n ? record(conn, b->m, b->n, err, errlen) : 0;
    for (int i = 0; i < b->n; i++)
        buf_free(&b->m[i].msg);
    free(b->m);
    PQclear(b->rows);
    return rc;
}

/*
 * A pass keeps up to PASS_BATCHES batches flowing: the next batch is
 * claimed while the connections are still busy with the last mails of
 * the one before, and each batch is recorded as soon as all its mails
 * are done, so the connections never wait for the database in between.
 */
int
en_sender_pass(void *sender, PGconn *conn, int64_t now, int limit, char *err, size_t errlen)
{
    struct en_sender *s = sender;
    if (recover(s, conn, now, err, errlen) < 0) return -1;
    struct batch b[PASS_BATCHES];
    int taken = 0, closed = 0, total = 0, rc = 0, untried = 0;
    bool more = true;
    time_t end = time(NULL) + s->cfg.pass_s;
    for (;;) {
        bool low = en_smtp_waiting(s->smtp) < (size_t)s->cfg.connections; /* time to refill */
        bool late = time(NULL) >= end; /* claim nothing more: it could only fail untried */
        if (rc == 0 && more && taken < PASS_BATCHES && low && !late) {
            int64_t t = taken ? (int64_t)time(NULL) : now;
            rc = take(s, conn, t, limit, &b[taken], err, errlen);
            if (rc == 0) {
                more = b[taken].n == limit; /* a short batch: the outbox is empty for now */
                total += b[taken++].n;
            }
        }
        while (closed < taken && finished(&b[closed])) {
            char e2[256];
            bool first = rc == 0; /* the first failure is the one reported */
            if (close_batch(conn, &b[closed++], &untried, first ? err : e2,
                            first ? errlen : sizeof e2) < 0)
                rc = -1;
        }
        if (closed == taken && (rc < 0 || !more || taken == PASS_BATCHES || late)) break;
        en_smtp_step(s->smtp, late, 100);
    }
    if (untried)
        log_info(NULL,
                 "the pass ran out of time (engine.send_pass %ld s): %d mail%s went back due,"
                 " untried",
                 s->cfg.pass_s, untried, untried == 1 ? "" : "s");
    return rc < 0 ? -1 : total;
}
