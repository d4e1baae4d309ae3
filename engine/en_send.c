/*
 * en_send.c - the outbox sender's pass: claim, submit, record (see en_send.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "en_pg_int.h"
#include "en_send_int.h"

#define LOG_MODULE "sender"
#include "log.h"

#define STALE_S  600 /* a `sending` row this old lost its sender */
#define BUDGET_S 300 /* a pass starts no submission after this: well inside STALE_S */

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
    R_SUPPRESSED
};

/*
 * Take due rows and mark them `sending` in a transaction of their own. Due
 * means by the end of this second: `now` is whole seconds, and a row queued
 * a moment ago (now() has microseconds) must not wait for the next round.
 */
static PGresult *
claim(PGconn *conn, const char *now, int limit, char *err, size_t errlen)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[] = {now, lim};
    return en_pg_query(
        conn,
        "WITH due AS (SELECT contact_id, id, next_attempt_at FROM outbox"
        " WHERE status IN ('pending', 'retry') AND next_attempt_at < to_timestamp($1::bigint + 1)"
        " ORDER BY next_attempt_at, contact_id LIMIT $2 FOR UPDATE SKIP LOCKED),"
        " taken AS (UPDATE outbox o SET status = 'sending', attempts = o.attempts + 1,"
        " next_attempt_at = to_timestamp($1) FROM due, contacts c"
        " WHERE o.contact_id = due.contact_id AND o.id = due.id AND c.id = o.contact_id"
        " RETURNING o.contact_id, o.id, o.journey, o.step, o.category, o.tenant, o.template,"
        " o.data::text, o.attempts, c.email, c.status, EXISTS (SELECT 1 FROM suppressions x"
        " WHERE lower(x.email) = lower(c.email) AND coalesce(x.tenant, c.tenant) = c.tenant"
        " AND x.scope IN ('all', 'marketing') AND (x.expires_at IS NULL OR x.expires_at > now())),"
        " due.next_attempt_at AS due_at)"
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
    if (r == EN_SMTP_RETRY) m->next = now + en_pg_backoff(atoi(m->v[R_ATTEMPTS]));
    log_warn(m->v[R_ID], "%s to %s: %s (%s)", m->v[R_TEMPLATE], m->v[R_EMAIL], m->why, m->status);
}

/* The outcomes as [{contact_id, id, status, why, next}], or NULL when out of memory. */
static char *
outcomes_json(const struct mail *m, int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s?, s:I}", "contact_id", m[i].v[R_CONTACT], "id",
                              m[i].v[R_ID], "status", m[i].status, "why",
                              m[i].why[0] ? m[i].why : NULL, "next", (json_int_t)m[i].next);
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
                       " sent_at = CASE WHEN u.status = 'sent' THEN now() END"
                       " FROM jsonb_to_recordset($1::jsonb) AS u(contact_id bigint, id uuid,"
                       " status text, why text, next bigint)"
                       " WHERE o.contact_id = u.contact_id AND o.id = u.id",
                       1, p, err, errlen);
    free(outcomes);
    return rc;
}

/* Prepare every row, submit the prepared ones together, settle them. */
static void
submit_all(struct en_sender *s, PGresult *rows, struct mail *m, int n, int64_t now)
{
    struct en_smtp_job **jobs = calloc((size_t)n, sizeof *jobs);
    size_t njobs = 0;
    for (int i = 0; i < n; i++)
        if (prepare(s, rows, i, now, &m[i])) {
            if (jobs)
                jobs[njobs++] = &m[i].job;
            else
                m[i].job = (struct en_smtp_job){.result = EN_SMTP_RETRY, .why = "out of memory"};
        }
    en_smtp_run(s->smtp, jobs, njobs, BUDGET_S);
    free(jobs);
    for (int i = 0; i < n; i++)
        if (!m[i].status) settle(&m[i], now);
}

int
en_sender_pass(void *sender, PGconn *conn, int64_t now, int limit, char *err, size_t errlen)
{
    struct en_sender *s = sender;
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)now);
    if (recover(s, conn, now, err, errlen) < 0) return -1;
    PGresult *rows = claim(conn, t, limit, err, errlen); /* autocommit: one statement */
    if (!rows) return -1;
    int n = PQntuples(rows), rc = 0;
    struct mail *m = calloc(n ? (size_t)n : 1, sizeof *m);
    if (!m) snprintf(err, errlen, "out of memory"), rc = -1;
    if (m && n) {
        submit_all(s, rows, m, n, now);
        rc = record(conn, m, n, err, errlen);
    }
    for (int i = 0; m && i < n; i++)
        buf_free(&m[i].msg);
    free(m);
    PQclear(rows);
    return rc < 0 ? -1 : n;
}
