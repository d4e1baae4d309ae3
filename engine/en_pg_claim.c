/*
 * en_pg_claim.c - due enrollments through the runtime, one batch per transaction
 *
 * The claim locks up to `limit` due rows FOR UPDATE SKIP LOCKED (another
 * engine takes the others) and handles them in contact order, so two
 * engines lock contacts in the same order and never deadlock; a
 * contact's enrollments run the higher priority first, so it wins a cap. Each row
 * runs under a savepoint: an SQL failure of one enrollment parks it and
 * leaves the rest of the batch alone. Every step run writes one
 * enrollment_steps row keyed (contact, enrollment, seq) with seq taken
 * from the locked row, so a step commits once — a crash before COMMIT
 * leaves nothing, and a second engine never sees the row while it is held.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contact_view.h"
#include "en_pg_int.h"

#define LOG_MODULE "engine"
#include "log.h"

#define GO_MAX 32 /* c:go hops within one claim, as in tern simulate */

enum {
    C_CONTACT,
    C_ID,
    C_JOURNEY,
    C_STEP,
    C_SEQ,
    C_STATUS,
    C_VARS,
    C_WAIT,
    C_TRIGGER,
    C_ATTEMPTS,
    C_TENANT
};

/* One claimed enrollment while its steps run. */
struct enr {
    const struct en_pg_run *r;
    PGresult *rows;
    int row;
    const char *contact_id, *id;
    const struct lh_journey_info *j;
    char step[LH_REG_NAME_MAX + 1];
    int seq, attempts;
    json_t *vars, *contact, *event;
    struct en_pg_delta delta; /* the contact's changes, written with the row */
    /* the row's next state */
    const char *status;
    char end_reason[EN_REASON_MAX]; /* "" for none */
    char wake_at[24], next_step[LH_REG_NAME_MAX + 1], wait_matched[LH_REG_NAME_MAX + 1];
    char *wait_event, *last_error;
    bool keep_event;
};

static const char *
col(const struct enr *e, int c)
{
    return PQgetisnull(e->rows, e->row, c) ? NULL : PQgetvalue(e->rows, e->row, c);
}

static void
set_wake(struct enr *e, int64_t at)
{
    snprintf(e->wake_at, sizeof e->wake_at, "%lld", (long long)at);
}

static int
log_step(struct enr *e, const char *outcome, const char *detail, char *err, size_t errlen)
{
    return en_pg_log_step(e->r->conn, e->contact_id, e->id, ++e->seq, col(e, C_JOURNEY), e->step,
                          outcome, detail, err, errlen);
}

/* ---- writing the row ---- */

static int
write_row(struct enr *e, char *err, size_t errlen)
{
    char seq[16], attempts[16], *vars = json_dumps(e->vars, JSON_COMPACT);
    if (!vars) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(seq, sizeof seq, "%d", e->seq);
    snprintf(attempts, sizeof attempts, "%d", e->attempts);
    const char *p[] = {e->contact_id,
                       e->id,
                       e->status,
                       e->next_step,
                       seq,
                       vars,
                       e->wake_at[0] ? e->wake_at : NULL,
                       e->wait_event,
                       e->wait_matched[0] ? e->wait_matched : NULL,
                       e->keep_event ? col(e, C_TRIGGER) : NULL,
                       attempts,
                       e->last_error,
                       e->end_reason[0] ? e->end_reason : NULL};
    int rc = en_pg_cmd(e->r->conn,
                       "UPDATE enrollments SET status = $3, step = $4, step_seq = $5,"
                       " vars = $6::jsonb, wake_at = to_timestamp($7::bigint), wait_event = $8,"
                       " wait_matched = $9, trigger_event = $10, attempts = $11,"
                       " last_error = $12, end_reason = $13, updated_at = now(),"
                       " ended_at = CASE WHEN $3 IN ('exited', 'completed') THEN now() END"
                       " WHERE contact_id = $1 AND id = $2",
                       13, p, err, errlen);
    free(vars);
    return rc;
}

/* A script error (or a failure of this enrollment's SQL): retry later with back-off. */
static void
park(struct enr *e, const char *reason)
{
    e->attempts++;
    e->status = "parked";
    snprintf(e->next_step, sizeof e->next_step, "%s", e->step);
    set_wake(e, e->r->now + en_pg_backoff(e->attempts));
    free(e->last_error);
    e->last_error = strdup(reason);
    e->keep_event = true;
    log_warn(e->id, "journey %s step %s parked (try %d): %s", col(e, C_JOURNEY), e->step,
             e->attempts, reason);
}

static void
end(struct enr *e, const char *reason)
{
    e->status = "exited", e->wake_at[0] = '\0';
    snprintf(e->end_reason, sizeof e->end_reason, "%s", reason);
    snprintf(e->next_step, sizeof e->next_step, "%s", e->step);
}

/* ---- settling one decision ---- */

/* Rerun the same step at `at`, still with its c.event. */
static void
rerun_at(struct enr *e, int64_t at)
{
    e->status = "active", e->keep_event = true;
    snprintf(e->next_step, sizeof e->next_step, "%s", e->step);
    set_wake(e, at);
}

static void
transition(struct enr *e, struct en_decision *d)
{
    e->status = "waiting";
    snprintf(e->next_step, sizeof e->next_step, "%s", d->next);
    set_wake(e, d->wake_at);
    if (d->kind == EN_WAIT_FOR) { /* the table keeps the timed-out step in `step` */
        snprintf(e->next_step, sizeof e->next_step, "%s", d->timed_out);
        snprintf(e->wait_matched, sizeof e->wait_matched, "%s", d->next);
        e->wait_event = d->wait_event, d->wait_event = NULL;
    }
}

static const char *
outcome(enum en_kind k)
{
    return k == EN_GO ? "go" : k == EN_EXIT ? "exit" : "wait";
}

/* 1 when the enrollment goes on at once (c:go), 0 when settled, -1 on an SQL failure. */
static int
settle(struct enr *e, struct en_decision *d, char *err, size_t errlen)
{
    struct en_pg_step s = {e->r,    e->j,       e->contact_id, e->id,      col(e, C_TENANT),
                           e->step, e->seq + 1, e->event,      e->contact, &e->delta};
    int64_t free_at;
    const struct lh_cap *cap;
    int sent;
    if (d->kind == EN_ERROR) {
        park(e, d->reason ? d->reason : "out of memory");
        return log_step(e, "error", e->last_error, err, errlen);
    }
    if (d->kind == EN_DEFER) {
        rerun_at(e, d->wake_at);
        return log_step(e, "deferred", "outside the window", err, errlen);
    }
    if (d->nsends && e->r->reg->policy.on_cap == LH_ON_CAP_DEFER) {
        if (en_pg_cap_free_at(&s, &free_at, &cap, err, errlen) < 0) return -1;
        if (free_at > e->r->now) {
            rerun_at(e, free_at);
            return log_step(e, "capped", d->sends[0].template_name, err, errlen);
        }
    }
    if (en_pg_effects(&s, d, &sent, err, errlen) < 0) return -1;
    json_decref(e->vars);
    e->vars = d->vars, d->vars = NULL;
    e->attempts = 0;
    free(e->last_error);
    e->last_error = NULL;
    if (log_step(e, outcome(d->kind), d->reason, err, errlen) < 0) return -1;
    if (d->kind == EN_GO) {
        snprintf(e->step, sizeof e->step, "%s", d->next);
        return 1;
    }
    e->keep_event = false;
    if (d->kind == EN_EXIT) {
        end(e, d->reason ? d->reason : "exit");
        return 0;
    }
    transition(e, d);
    return 0;
}

static int
run_steps(struct enr *e, char *err, size_t errlen)
{
    struct en_pg_store sc = {e->r->conn, e->contact_id};
    struct en_store store = en_pg_store(&sc);
    for (int hop = 0;; hop++) {
        if (hop == GO_MAX) {
            char why[EN_REASON_MAX];
            snprintf(why, sizeof why, "%s:%d: journey \"%s\": more than %d steps in a row",
                     e->j->file, e->j->line, e->j->name, GO_MAX);
            park(e, why);
            return log_step(e, "error", why, err, errlen);
        }
        struct en_enrollment row = {e->j->name, e->step, e->vars, NULL, NULL};
        struct en_input in = {e->j, &row, e->contact, e->event, e->r->now, &store};
        struct en_decision d;
        en_step_run(e->r->st, &in, &d);
        int rc = settle(e, &d, err, errlen);
        en_decision_free(&d);
        if (rc != 1) return rc;
    }
}

/* ---- loading one claimed row ---- */

static int
load_event(struct enr *e, char *err, size_t errlen)
{
    const char *p[] = {col(e, C_TRIGGER)};
    if (!p[0]) return 0;
    PGresult *res = en_pg_query(e->r->conn,
                                "SELECT type, extract(epoch FROM occurred_at)::bigint, data::text"
                                " FROM events WHERE id = $1 LIMIT 1",
                                1, p, err, errlen);
    if (!res) return -1;
    if (PQntuples(res) == 1)
        e->event =
            en_pg_event_json(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
    PQclear(res);
    return 0;
}

static int
load(struct enr *e, char *err, size_t errlen)
{
    const char *p[] = {e->contact_id};
    if (en_pg_cmd(e->r->conn, "SELECT 1 FROM contacts WHERE id = $1 FOR NO KEY UPDATE", 1, p, err,
                  errlen) < 0)
        return -1;
    if (contact_view_by_id(e->r->conn, atoll(e->contact_id), &e->contact, err, errlen) != 1) {
        if (!e->contact) snprintf(err, errlen, "contact %s is gone", e->contact_id);
        return -1;
    }
    return load_event(e, err, errlen);
}

/* The step to run, or an end: a vanished journey or step exits (with an alert). */
static bool
runnable(struct enr *e)
{
    char why[EN_REASON_MAX];
    snprintf(e->step, sizeof e->step, "%s", col(e, C_STEP));
    if (!e->j || !en_journey_has_step(e->j, e->step)) {
        snprintf(why, sizeof why, "%s \"%s\" vanished at a reload", e->j ? "step" : "journey",
                 e->j ? e->step : col(e, C_JOURNEY));
        log_error(e->id, "journey %s: enrollment ends: %s", col(e, C_JOURNEY), why);
        end(e, why);
        return false;
    }
    return true;
}

static int
handle(struct enr *e, char *err, size_t errlen)
{
    if (!(e->vars = json_loads(col(e, C_VARS), 0, NULL))) {
        snprintf(err, errlen, "enrollment vars are not JSON, or out of memory");
        return -1;
    }
    if (!runnable(e)) return log_step(e, "exit", e->end_reason, err, errlen);
    if (load(e, err, errlen) < 0) return -1;
    return run_steps(e, err, errlen);
}

static int
savepoint(PGconn *c, const char *cmd, char *err, size_t errlen)
{
    return en_pg_cmd(c, cmd, 0, NULL, err, errlen);
}

static int
run_one(const struct en_pg_run *r, PGresult *rows, int i, char *err, size_t errlen)
{
    struct enr e = {.r = r, .rows = rows, .row = i};
    e.contact_id = col(&e, C_CONTACT), e.id = col(&e, C_ID);
    e.j = en_pg_journey(r->reg, col(&e, C_JOURNEY));
    e.seq = atoi(col(&e, C_SEQ)), e.attempts = atoi(col(&e, C_ATTEMPTS));
    if (savepoint(r->conn, "SAVEPOINT enr", err, errlen) < 0) return -1;
    char why[EN_REASON_MAX];
    int rc = handle(&e, why, sizeof why);
    if (rc == 0) rc = en_pg_delta_flush(r->conn, e.contact_id, &e.delta, why, sizeof why);
    if (rc == 0) rc = write_row(&e, why, sizeof why);
    if (rc == 0) {
        rc = savepoint(r->conn, "RELEASE SAVEPOINT enr", err, errlen);
    } else { /* this enrollment's SQL failed: undo its part, park it */
        rc = savepoint(r->conn, "ROLLBACK TO SAVEPOINT enr", err, errlen);
        json_decref(e.vars), e.vars = json_loads(col(&e, C_VARS), 0, NULL);
        if (!e.vars) e.vars = json_object();
        e.seq = atoi(col(&e, C_SEQ)), e.attempts = atoi(col(&e, C_ATTEMPTS));
        snprintf(e.step, sizeof e.step, "%s", col(&e, C_STEP)); /* before any c:go hop */
        free(e.wait_event), e.wait_event = NULL, e.wait_matched[0] = '\0';
        e.end_reason[0] = '\0';
        park(&e, why);
        if (rc == 0) rc = write_row(&e, err, errlen);
    }
    json_decref(e.vars), json_decref(e.contact), json_decref(e.event);
    free(e.wait_event), free(e.last_error);
    en_pg_delta_free(&e.delta);
    return rc;
}

struct order {
    int row;
    int64_t contact;
    int priority;
};

/* Contact order (no deadlocks between engines); within a contact the higher priority first. */
static int
by_contact_priority(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    if (x->contact != y->contact) return x->contact < y->contact ? -1 : 1;
    if (x->priority != y->priority) return x->priority > y->priority ? -1 : 1;
    return x->row - y->row; /* then by id, as selected */
}

static struct order *
run_order(const struct en_pg_run *r, PGresult *rows)
{
    int n = PQntuples(rows);
    struct order *o = calloc(n ? (size_t)n : 1, sizeof *o);
    for (int i = 0; o && i < n; i++) {
        const struct lh_journey_info *j = en_pg_journey(r->reg, PQgetvalue(rows, i, C_JOURNEY));
        o[i] = (struct order){i, atoll(PQgetvalue(rows, i, C_CONTACT)), j ? j->priority : 0};
    }
    if (o) qsort(o, (size_t)n, sizeof *o, by_contact_priority);
    return o;
}

int
en_pg_run_due(const struct en_pg_run *r, char *err, size_t errlen)
{
    char now[24], limit[16];
    snprintf(now, sizeof now, "%lld", (long long)r->now);
    snprintf(limit, sizeof limit, "%d", r->limit);
    const char *p[] = {now, limit};
    if (en_pg_cmd(r->conn, "BEGIN", 0, NULL, err, errlen) < 0) return -1;
    PGresult *rows = en_pg_query(
        r->conn,
        "WITH due AS (SELECT contact_id, id, journey, step, step_seq, status, vars::text,"
        " wait_event, trigger_event, attempts, tenant FROM enrollments"
        " WHERE status IN ('active', 'waiting', 'parked') AND wake_at <= to_timestamp($1)"
        " ORDER BY wake_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
        " SELECT * FROM due ORDER BY contact_id, id", /* run_order sorts by priority too */
        2, p, err, errlen);
    int n = rows ? PQntuples(rows) : -1, rc = rows ? 0 : -1;
    struct order *o = rows ? run_order(r, rows) : NULL;
    if (rows && !o) snprintf(err, errlen, "out of memory"), rc = -1;
    for (int i = 0; rc == 0 && i < n; i++)
        rc = run_one(r, rows, o[i].row, err, errlen);
    free(o);
    PQclear(rows);
    if (rc == 0) rc = en_pg_commit(r->conn, err, errlen);
    if (rc < 0) en_pg_rollback(r->conn);
    return rc < 0 ? -1 : n;
}
