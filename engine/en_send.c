/*
 * en_send.c - the outbox sender's pass: claim, submit, record (see en_send.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "en_pg_int.h"
#include "en_send_int.h"

#define LOG_MODULE "sender"
#include "log.h"

#define STALE_S 600 /* a `sending` row this old lost its sender */

struct en_sender {
    struct en_send_cfg cfg; /* borrowed strings */
    CURL *curl;
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
    if (!(s->curl = en_smtp_open(cfg->smtp_url, cfg->timeout_s, err, errlen))) {
        free(s);
        return NULL;
    }
    return s;
}

void
en_sender_free(struct en_sender *s)
{
    if (!s) return;
    curl_easy_cleanup(s->curl);
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

/* Take due rows and mark them `sending` in a transaction of their own. */
static PGresult *
claim(PGconn *conn, const char *now, int limit, char *err, size_t errlen)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[] = {now, lim};
    return en_pg_query(
        conn,
        "WITH due AS (SELECT contact_id, id, next_attempt_at FROM outbox"
        " WHERE status IN ('pending', 'retry') AND next_attempt_at <= to_timestamp($1)"
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

struct outcome {
    const char *status;
    char why[512];
    int64_t next;
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

static void
submit(struct en_sender *s, PGresult *rows, int i, int64_t now, struct outcome *o)
{
    const char *v[R_SUPPRESSED + 1];
    for (int c = 0; c <= R_SUPPRESSED; c++)
        v[c] = PQgetisnull(rows, i, c) ? NULL : PQgetvalue(rows, i, c);
    o->why[0] = '\0', o->next = now;
    const char *no = unsendable(v[R_CATEGORY], v[R_STATUS], v[R_SUPPRESSED][0] == 't');
    if (no) {
        o->status = "skipped";
        snprintf(o->why, sizeof o->why, "%s", no);
        return;
    }
    struct en_mail m = {v[R_ID],     v[R_JOURNEY],  v[R_STEP], v[R_CATEGORY],
                        v[R_TENANT], v[R_TEMPLATE], v[R_DATA], v[R_EMAIL]};
    struct buf msg = BUF_INIT;
    char from[320];
    enum en_smtp_result r = EN_SMTP_PARK;
    if (en_send_build(&s->cfg, &m, &msg, from, sizeof from, o->why, sizeof o->why) == 0)
        r = en_smtp_submit(s->curl, from, v[R_EMAIL], &msg, o->why, sizeof o->why);
    buf_free(&msg);
    o->status = r == EN_SMTP_SENT ? "sent" : r == EN_SMTP_RETRY ? "retry" : "parked";
    if (r == EN_SMTP_RETRY) o->next = now + en_pg_backoff(atoi(v[R_ATTEMPTS]));
    if (r != EN_SMTP_SENT)
        log_warn(v[R_ID], "%s to %s: %s (%s)", v[R_TEMPLATE], v[R_EMAIL], o->why, o->status);
}

static int
record(PGconn *conn, PGresult *rows, const struct outcome *o, char *err, size_t errlen)
{
    int rc = en_pg_cmd(conn, "BEGIN", 0, NULL, err, errlen);
    for (int i = 0; rc == 0 && i < PQntuples(rows); i++) {
        char next[24];
        snprintf(next, sizeof next, "%lld", (long long)o[i].next);
        const char *p[] = {PQgetvalue(rows, i, R_CONTACT), PQgetvalue(rows, i, R_ID), o[i].status,
                           o[i].why[0] ? o[i].why : NULL, next};
        rc = en_pg_cmd(conn,
                       "UPDATE outbox SET status = $3, last_error = $4,"
                       " next_attempt_at = to_timestamp($5),"
                       " sent_at = CASE WHEN $3 = 'sent' THEN now() END"
                       " WHERE contact_id = $1 AND id = $2",
                       5, p, err, errlen);
    }
    if (rc == 0) rc = en_pg_commit(conn, err, errlen);
    if (rc < 0) en_pg_rollback(conn); /* the rows stay `sending`: recover() settles them */
    return rc;
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
    struct outcome *o = calloc(n ? (size_t)n : 1, sizeof *o);
    if (!o) snprintf(err, errlen, "out of memory"), rc = -1;
    for (int i = 0; o && i < n; i++)
        submit(s, rows, i, now, &o[i]);
    if (o) rc = record(conn, rows, o, err, errlen);
    free(o);
    PQclear(rows);
    return rc < 0 ? -1 : n;
}
