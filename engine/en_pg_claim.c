/*
 * en_pg_claim.c - due enrollments through the runtime, one batch per transaction
 *
 * The claim locks up to `limit` due rows FOR UPDATE SKIP LOCKED (another
 * engine takes the others) and handles them in contact order, so two
 * engines lock contacts in the same order and never deadlock; a
 * contact's enrollments run the higher priority first, so it wins a cap.
 * Every step run writes one enrollment_steps row keyed (contact,
 * enrollment, seq) with seq taken from the locked row, so a step commits
 * once -- a crash before COMMIT leaves nothing, and a second engine never
 * sees the row while it is held.
 *
 * A batch runs set-based (en_pg_batch.c): one statement locks and reads
 * all its contacts (FOR NO KEY UPDATE, in id order), one reads the trigger
 * events, the steps run, and one statement each writes the step rows, the
 * contacts' changes and the enrollment rows. Sends, cap checks, emitted
 * events and the store's reads reach the database as the steps make them,
 * so a later enrollment of the same contact sees them. When a statement
 * of the batch fails, the batch rolls back and is claimed again and run
 * one enrollment at a time, each under a savepoint: the one whose SQL
 * fails is parked with the error, the others commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contact_view.h"
#include "en_pg_int.h"
#include "jsonr.h"

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

struct order {
    int row;
    int64_t contact;
    int priority;
};

/* One contact of the batch: the view its steps read (changed along), the change to write. */
struct slot {
    int64_t id;
    json_t *contact;
    struct en_pg_delta delta;
};

/* The claimed rows, in the order they run, and what a part of them reads and writes. */
struct batch {
    const struct en_pg_run *r;
    PGresult *rows;
    struct order *o;
    int n;
    struct slot *slots; /* the part's contacts, by id */
    int nslots;
    json_t *events;                        /* the part's trigger events: id -> c.event */
    struct en_pg_rows steps, enrs, deltas; /* rows to write at the end of the part */
    bool insert; /* entered by the intake this transaction: the rows are inserted, not updated */
    struct en_notes *notes; /* the log lines of its transaction, said once it commits */
};

/* One claimed enrollment while its steps run. */
struct enr {
    struct batch *b;
    int row;
    const char *contact_id, *id;
    const struct lh_journey_info *j;
    char step[LH_REG_NAME_MAX + 1];
    int seq, attempts;
    json_t *vars;
    struct slot *slot;   /* its contact */
    const json_t *event; /* c.event, or NULL */
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
    PGresult *rows = e->b->rows;
    return PQgetisnull(rows, e->row, c) ? NULL : PQgetvalue(rows, e->row, c);
}

static void
set_wake(struct enr *e, int64_t at)
{
    snprintf(e->wake_at, sizeof e->wake_at, "%lld", (long long)at);
}

static int
oom(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    return -1;
}

static int
log_row(struct enr *e, const char *outcome, const char *detail, bool ran, char *err, size_t errlen)
{
    if (en_pg_step_row(&e->b->steps, e->contact_id, e->id, ++e->seq, col(e, C_JOURNEY), e->step,
                       outcome, detail, ran) < 0)
        return oom(err, errlen);
    return 0;
}

/* The row of the step that ran (or was held back: capped, deferred, failed). */
static int
log_step(struct enr *e, const char *outcome, const char *detail, char *err, size_t errlen)
{
    return log_row(e, outcome, detail, true, err, errlen);
}

/* ---- the row's next state ---- */

/* Written with the part's other rows by one statement. */
static const char enrs_sql[] =
    "UPDATE enrollments e SET status = x.status, step = x.step, step_seq = x.seq,"
    " vars = x.vars, wake_at = to_timestamp(x.wake_at), wait_event = x.wait_event,"
    " wait_matched = x.wait_matched, trigger_event = x.trigger_event, attempts = x.attempts,"
    " last_error = x.last_error, end_reason = x.end_reason, updated_at = now(),"
    " ended_at = CASE WHEN x.status IN ('exited', 'completed') THEN now() END"
    " FROM jsonb_to_recordset($1::jsonb) AS x(contact_id bigint, id bigint, status text,"
    " step text, seq int, vars jsonb, wake_at bigint, wait_event text, wait_matched text,"
    " trigger_event uuid, attempts int, last_error text, end_reason text)"
    " WHERE e.contact_id = x.contact_id AND e.id = x.id";

/* An enrollment the intake entered in this transaction is written once, as it is after its
 * first steps: one heap tuple and its index entries instead of an insert, then an update. */
static const char enrs_insert_sql[] =
    "INSERT INTO enrollments (contact_id, id, journey, tenant, status, step, step_seq, vars,"
    " wake_at, wait_event, wait_matched, trigger_event, attempts, last_error, end_reason,"
    " ended_at) OVERRIDING SYSTEM VALUE SELECT x.contact_id, x.id, x.journey, x.tenant,"
    " x.status, x.step, x.seq, x.vars, to_timestamp(x.wake_at), x.wait_event, x.wait_matched,"
    " x.trigger_event, x.attempts, x.last_error, x.end_reason,"
    " CASE WHEN x.status IN ('exited', 'completed') THEN now() END"
    " FROM jsonb_to_recordset($1::jsonb) AS x(contact_id bigint, id bigint, journey text,"
    " tenant text, status text, step text, seq int, vars jsonb, wake_at bigint, wait_event text,"
    " wait_matched text, trigger_event uuid, attempts int, last_error text, end_reason text)";

static int
add_row(struct enr *e, char *err, size_t errlen)
{
    char *vars = json_dumps(e->vars, JSON_COMPACT);
    const char *wake = e->wake_at[0] ? e->wake_at : NULL;
    const char *matched = e->wait_matched[0] ? e->wait_matched : NULL;
    const char *trigger = e->keep_event ? col(e, C_TRIGGER) : NULL;
    const char *reason = e->end_reason[0] ? e->end_reason : NULL;
    /* One shape for enrs_sql and enrs_insert_sql: the update ignores journey and tenant. */
    int rc = vars ? en_pg_row(&e->b->enrs,
                              "contact_id:s id:s journey:s tenant:s status:s step:s seq:i vars:j"
                              " wake_at:s wait_event:s wait_matched:s trigger_event:s attempts:i"
                              " last_error:s end_reason:s",
                              e->contact_id, e->id, col(e, C_JOURNEY), col(e, C_TENANT), e->status,
                              e->next_step, e->seq, vars, wake, e->wait_event, matched, trigger,
                              e->attempts, e->last_error, reason)
                  : -1;
    free(vars);
    return rc < 0 ? oom(err, errlen) : 0;
}

/* A script error (or a failure of this enrollment's SQL): retry later with back-off. */
static void
park(struct enr *e, const char *reason)
{
    e->attempts++;
    e->status = "parked";
    snprintf(e->next_step, sizeof e->next_step, "%s", e->step);
    set_wake(e, e->b->r->now + en_pg_backoff(e->attempts));
    free(e->last_error);
    e->last_error = strdup(reason);
    e->keep_event = true;
    en_notes_add(e->b->notes, LOG_LVL_WARNING, LOG_MODULE, e->id,
                 "journey %s step %s parked (try %d): %s", col(e, C_JOURNEY), e->step, e->attempts,
                 reason);
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
    const struct en_pg_run *r = e->b->r;
    struct en_pg_step s = {
        r,          e->j,     e->contact_id,    e->id,          col(e, C_TENANT), e->step,
        e->seq + 1, e->event, e->slot->contact, &e->slot->delta};
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
    if (d->nsends && r->reg->policy.on_cap == LH_ON_CAP_DEFER) {
        if (en_pg_cap_free_at(&s, &free_at, &cap, err, errlen) < 0) return -1;
        if (free_at > r->now) {
            rerun_at(e, free_at);
            return log_step(e, "capped", d->sends[0].template_name, err, errlen);
        }
    }
    if (en_pg_effects(&s, d, &sent, err, errlen) < 0) return -1;
    json_decref(e->vars);
    e->vars = d->vars, d->vars = NULL;
    free(e->last_error);
    e->last_error = NULL;
    if (log_step(e, outcome(d->kind), d->reason, err, errlen) < 0) return -1;
    if (d->kind == EN_GO) {
        snprintf(e->step, sizeof e->step, "%s", d->next);
        return 1;
    }
    e->attempts = 0; /* settled: a c:go chain that runs into GO_MAX keeps counting its tries */
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
    struct en_pg_store sc = {e->b->r->conn, e->contact_id, e->b->r->reg};
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
        struct en_input in = {e->j, &row, e->slot->contact, e->event, e->b->r->now, &store};
        struct en_decision d;
        en_step_run(e->b->r->st, &in, &d);
        int rc = settle(e, &d, err, errlen);
        en_decision_free(&d);
        if (rc != 1) return rc;
    }
}

/* ---- one enrollment ---- */

/* The step to run, or an end: a vanished journey or step exits (with an alert). */
static bool
runnable(struct enr *e)
{
    char why[EN_REASON_MAX];
    if (!e->j || !en_journey_has_step(e->j, e->step)) {
        snprintf(why, sizeof why, "%s \"%s\" vanished at a reload", e->j ? "step" : "journey",
                 e->j ? e->step : col(e, C_JOURNEY));
        en_notes_add(e->b->notes, LOG_LVL_ERROR, LOG_MODULE, e->id,
                     "journey %s: enrollment ends: %s", col(e, C_JOURNEY), why);
        end(e, why);
        return false;
    }
    return true;
}

static int
by_slot_id(const void *key, const void *elem)
{
    int64_t k = *(const int64_t *)key, id = ((const struct slot *)elem)->id;
    return k < id ? -1 : k > id;
}

static int
handle(struct enr *e, char *err, size_t errlen)
{
    struct batch *b = e->b;
    if (!e->vars) {
        snprintf(err, errlen, "enrollment vars are not JSON, or out of memory");
        return -1;
    }
    if (!runnable(e))
        return log_row(e, "exit", e->end_reason, false, err, errlen); /* ran nothing */
    int64_t id = atoll(e->contact_id);
    e->slot = bsearch(&id, b->slots, (size_t)b->nslots, sizeof *b->slots, by_slot_id);
    if (!e->slot) {
        snprintf(err, errlen, "contact %s is gone", e->contact_id);
        return -1;
    }
    if (col(e, C_TRIGGER)) e->event = json_object_get(b->events, col(e, C_TRIGGER));
    return run_steps(e, err, errlen);
}

/* The enrollment as claimed, before any step ran. */
static void
enr_init(struct enr *e, struct batch *b, int row)
{
    *e = (struct enr){.b = b, .row = row};
    e->contact_id = col(e, C_CONTACT), e->id = col(e, C_ID);
    e->j = en_pg_journey(b->r->reg, col(e, C_JOURNEY));
    e->seq = atoi(col(e, C_SEQ)), e->attempts = atoi(col(e, C_ATTEMPTS));
    e->vars = jsonr_loads(col(e, C_VARS), 0, NULL);
    snprintf(e->step, sizeof e->step, "%s", col(e, C_STEP));
}

static void
enr_free(struct enr *e)
{
    json_decref(e->vars);
    free(e->wait_event), free(e->last_error);
}

static int
run_enr(struct batch *b, int row, char *err, size_t errlen)
{
    struct enr e;
    enr_init(&e, b, row);
    int rc = handle(&e, err, errlen);
    if (rc == 0) rc = add_row(&e, err, errlen);
    enr_free(&e);
    return rc;
}

/* This enrollment's SQL failed (its part rolled back): park it with the reason. */
static int
park_enr(struct batch *b, int row, const char *why, char *err, size_t errlen)
{
    struct enr e;
    enr_init(&e, b, row);
    if (!e.vars) e.vars = json_object();
    park(&e, why);
    int rc = add_row(&e, err, errlen);
    enr_free(&e);
    return rc;
}

/* ---- a part of the batch: read, run, write ---- */

/* Lock and read the contacts of enrollments [from, to), in id order. */
static int
load_contacts(struct batch *b, int from, int to, char *err, size_t errlen)
{
    struct en_pg_array ids = EN_PG_ARRAY_INIT;
    for (int i = from; i < to; i++)
        en_pg_array_add(&ids, PQgetvalue(b->rows, b->o[i].row, C_CONTACT));
    const char *lit = en_pg_array_end(&ids);
    PGresult *res = lit ? contact_view_rows(b->r->conn, lit, true, err, errlen) : NULL;
    if (!lit) oom(err, errlen);
    en_pg_array_free(&ids);
    if (!res) return -1;
    int n = PQntuples(res), rc = 0;
    if (!(b->slots = calloc((size_t)n + 1, sizeof *b->slots))) rc = oom(err, errlen);
    for (int i = 0; rc == 0 && i < n; i++, b->nslots++) {
        struct slot *sl = &b->slots[i];
        sl->id = atoll(PQgetvalue(res, i, 0));
        if (!(sl->contact = jsonr_loads(PQgetvalue(res, i, 1), 0, NULL))) rc = oom(err, errlen);
    }
    PQclear(res);
    return rc;
}

/* The trigger events of enrollments [from, to), as c.event by id. */
static int
load_events(struct batch *b, int from, int to, char *err, size_t errlen)
{
    struct en_pg_array ids = EN_PG_ARRAY_INIT;
    for (int i = from; i < to; i++)
        if (!PQgetisnull(b->rows, b->o[i].row, C_TRIGGER))
            en_pg_array_add(&ids, PQgetvalue(b->rows, b->o[i].row, C_TRIGGER));
    if (ids.b.len == 0) return 0;
    const char *p[] = {en_pg_array_end(&ids)};
    PGresult *res = p[0] ? en_pg_query(b->r->conn,
                                       "SELECT id, type, extract(epoch FROM occurred_at)::bigint,"
                                       " data::text FROM events WHERE id = ANY($1::uuid[])",
                                       1, p, err, errlen)
                         : NULL;
    if (!p[0]) oom(err, errlen);
    en_pg_array_free(&ids);
    if (!res) return -1;
    for (int i = 0; i < PQntuples(res); i++) /* data that is not JSON: no c.event, as before */
        json_object_set_new(
            b->events, PQgetvalue(res, i, 0),
            en_pg_event_json(PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3)));
    PQclear(res);
    return 0;
}

static int
write_part(struct batch *b, char *err, size_t errlen)
{
    PGconn *c = b->r->conn;
    for (int i = 0; i < b->nslots; i++)
        if (en_pg_delta_row(&b->deltas, b->slots[i].id, &b->slots[i].delta) < 0)
            return oom(err, errlen);
    /* New enrollments before their step rows, which must name them. */
    if (b->insert && en_pg_rows_write(c, enrs_insert_sql, &b->enrs, err, errlen) < 0) return -1;
    if (en_pg_steps_write(c, &b->steps, err, errlen) < 0) return -1;
    if (en_pg_rows_write(c, EN_PG_DELTAS_SQL, &b->deltas, err, errlen) < 0) return -1;
    return b->insert ? 0 : en_pg_rows_write(c, enrs_sql, &b->enrs, err, errlen);
}

/* Forget the part's contacts, events and unwritten rows. */
static void
drop_part(struct batch *b)
{
    for (int i = 0; i < b->nslots; i++) {
        json_decref(b->slots[i].contact);
        en_pg_delta_free(&b->slots[i].delta);
    }
    free(b->slots);
    b->slots = NULL, b->nslots = 0;
    json_object_clear(b->events);
    en_pg_rows_reset(&b->steps), en_pg_rows_reset(&b->enrs), en_pg_rows_reset(&b->deltas);
}

/* Enrollments [from, to): their contacts locked and read, their steps run, their rows written. */
static int
run_part(struct batch *b, int from, int to, char *err, size_t errlen)
{
    if (from == to) return 0;
    int rc = load_contacts(b, from, to, err, errlen);
    if (rc == 0 && !b->insert) rc = load_events(b, from, to, err, errlen); /* else given */
    for (int i = from; rc == 0 && i < to; i++)
        rc = run_enr(b, b->o[i].row, err, errlen);
    if (rc == 0) rc = write_part(b, err, errlen);
    drop_part(b);
    return rc;
}

static int
savepoint(PGconn *c, const char *cmd, char *err, size_t errlen)
{
    return en_pg_cmd(c, cmd, 0, NULL, err, errlen);
}

/* After a failed batch: each enrollment under its savepoint; one whose SQL fails is parked. */
static int
one_by_one(struct batch *b, char *err, size_t errlen)
{
    PGconn *c = b->r->conn;
    for (int i = 0; i < b->n; i++) {
        char why[EN_REASON_MAX];
        size_t said = en_notes_mark(b->notes);
        if (savepoint(c, "SAVEPOINT enr", err, errlen) < 0) return -1;
        if (run_part(b, i, i + 1, why, sizeof why) < 0) {
            if (savepoint(c, "ROLLBACK TO SAVEPOINT enr", err, errlen) < 0) return -1;
            en_notes_drop(b->notes, said); /* what it did is undone: so is what it said */
            if (park_enr(b, b->o[i].row, why, err, errlen) < 0) return -1;
            if (en_pg_rows_write(c, enrs_sql, &b->enrs, err, errlen) < 0) return -1;
        }
        if (savepoint(c, "RELEASE SAVEPOINT enr", err, errlen) < 0) return -1;
    }
    return 0;
}

/* ---- the claim ---- */

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

static void
unclaim(struct batch *b)
{
    PQclear(b->rows), free(b->o);
    b->rows = NULL, b->o = NULL, b->n = 0;
}

/* BEGIN, and lock up to r->limit due rows in b, in the order they run. 0 or -1. */
static int
claim(struct batch *b, char *err, size_t errlen)
{
    const struct en_pg_run *r = b->r;
    char now[24], limit[16];
    snprintf(now, sizeof now, "%lld", (long long)r->now);
    snprintf(limit, sizeof limit, "%d", r->limit);
    const char *p[] = {now, limit};
    /* Bitmap scans off for the claim (this transaction, set back after it). Right after the
     * intake entered a batch of contacts the statistics of enrollments say a handful of due
     * rows, so the planner fetches every due row by bitmap and sorts them all on disk for
     * each batch (75-130 ms at 100,000 due, 10 s of a 100,000-contact run) instead of
     * walking enrollments_due in wake_at order to its LIMIT. JIT off for the whole batch, as
     * in the intake: its statements touch a few hundred rows each, and compiling one the
     * planner overestimates costs more than running it. */
    if (en_pg_cmd(r->conn, "BEGIN", 0, NULL, err, errlen) < 0 ||
        en_pg_cmd(
            r->conn,
            "SELECT set_config('enable_bitmapscan', 'off', true), set_config('jit', 'off', true)",
            0, NULL, err, errlen) < 0)
        return -1;
    b->rows = en_pg_query(
        r->conn,
        "WITH due AS (SELECT contact_id, id, journey, step, step_seq, status, vars::text,"
        " wait_event, trigger_event, attempts, tenant FROM enrollments"
        " WHERE status IN ('active', 'waiting', 'parked') AND wake_at <= to_timestamp($1)"
        " ORDER BY wake_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
        " SELECT * FROM due ORDER BY contact_id, id", /* run_order sorts by priority too */
        2, p, err, errlen);
    if (!b->rows || en_pg_cmd(r->conn, "SELECT set_config('enable_bitmapscan', 'on', true)", 0,
                              NULL, err, errlen) < 0)
        return -1;
    b->n = PQntuples(b->rows);
    if (!(b->o = run_order(r, b->rows))) return oom(err, errlen);
    return 0;
}

static int
batch_new(struct batch *b, const struct en_pg_run *r, struct en_notes *notes, char *err,
          size_t errlen)
{
    *b = (struct batch){.r = r, .notes = notes};
    b->steps = b->enrs = b->deltas = (struct en_pg_rows)EN_PG_ROWS_INIT;
    return (b->events = json_object()) ? 0 : oom(err, errlen);
}

static void
batch_free(struct batch *b)
{
    unclaim(b);
    json_decref(b->events);
    en_pg_rows_free(&b->steps), en_pg_rows_free(&b->enrs), en_pg_rows_free(&b->deltas);
}

/* The whole batch at once; when that fails, rolled back and claimed again one by one. */
static int
run_batch(struct batch *b, char *err, size_t errlen)
{
    PGconn *c = b->r->conn;
    char why[EN_REASON_MAX];
    if (claim(b, err, errlen) < 0) return -1;
    if (run_part(b, 0, b->n, why, sizeof why) == 0 && en_pg_commit(c, why, sizeof why) == 0)
        return en_notes_say(b->notes), 0;
    log_warn(NULL, "a batch of %d enrollments failed, running them one by one: %s", b->n, why);
    en_pg_rollback(c);
    en_notes_drop(b->notes, 0); /* the one-by-one run says its own */
    unclaim(b);
    if (claim(b, err, errlen) < 0 || one_by_one(b, err, errlen) < 0) return -1;
    if (en_pg_commit(c, err, errlen) < 0) return -1;
    en_notes_say(b->notes);
    return 0;
}

int
en_pg_run_entered(const struct en_pg_run *r, PGresult *rows, json_t *events, struct en_notes *notes,
                  char *err, size_t errlen)
{
    struct batch b;
    int rc = batch_new(&b, r, notes, err, errlen);
    json_decref(b.events); /* given instead of read */
    b.events = json_incref(events), b.insert = true, b.rows = rows, b.n = PQntuples(rows);
    if (rc == 0)
        rc = (b.o = run_order(r, rows)) ? run_part(&b, 0, b.n, err, errlen) : oom(err, errlen);
    b.rows = NULL; /* the caller's */
    batch_free(&b);
    return rc;
}

int
en_pg_run_due(const struct en_pg_run *r, char *err, size_t errlen)
{
    struct batch b;
    struct en_notes notes = EN_NOTES_INIT;
    int rc = batch_new(&b, r, &notes, err, errlen);
    if (rc == 0) rc = run_batch(&b, err, errlen);
    if (rc < 0) en_pg_rollback(r->conn);
    int n = b.n;
    batch_free(&b);
    en_notes_free(&notes); /* said when it committed */
    return rc < 0 ? -1 : n;
}
