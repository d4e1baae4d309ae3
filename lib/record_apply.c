/*
 * record_apply.c - applying a batch of spooled records to PostgreSQL (see record.h)
 *
 * Fast path: the event records (clicks, opens: nearly all of a busy
 * tracker's) go in by one COPY, written straight from their spooled text
 * (record_copy.c); every other record is decoded into a row of its kind,
 * then one statement per kind (record_sql.h), all inside one transaction: a
 * 5,000-record batch costs a handful of round trips, not 5,000 commits.
 * COPY has no ON CONFLICT: a batch replayed after a crash between commit
 * and ack fails on the events' primary key, and so does one holding a value
 * PostgreSQL refuses; either is rolled back and applied again with every
 * record decoded, by the statements, which skip what is already there.
 *
 * Slow path, only when a statement of the general path was refused for its
 * data (SQLSTATE class 22, 23 or 54: a malformed address, a broken
 * constraint, a value too large):
 * roll back and apply the records one by one, each inside a savepoint, so
 * the one PostgreSQL refuses is logged and set aside and the others commit.
 * A record set aside (refused, or one that cannot be read at all) goes to
 * tern.record_rejects as it was spooled, in the same transaction: it leaves
 * the spool only together with the batch, and is kept, not dropped.
 * Any other failure (connection lost, statement timeout, a missing table)
 * is something retrying can fix: roll back, return -1, skip nothing.
 */
#include "record.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "db.h"
#include "record_int.h"
#include "record_sql.h"

#define LOG_MODULE "record"
#include "log.h"

/* Kinds in the order a batch applies them. */
enum kind { K_MESSAGE, K_EVENT, K_API, K_CONFIRM, K_UNSUBSCRIBE, K_PREFERENCES, K_COUNT };

static const char *const kind_names[K_COUNT] = {KIND_MESSAGE, KIND_EVENT,       KIND_API_EVENT,
                                                KIND_CONFIRM, KIND_UNSUBSCRIBE, KIND_PREFERENCES};
static const char *const kind_sql[K_COUNT] = {SQL_MESSAGES, SQL_EVENTS,      SQL_API_EVENTS,
                                              SQL_CONFIRM,  SQL_UNSUBSCRIBE, SQL_PREFERENCES};
/* A statement a kind runs first, over the same rows (NULL: none). */
static const char *const kind_pre_sql[K_COUNT] = {[K_API] = SQL_API_CONTACTS};

enum outcome { APPLIED, REFUSED, RETRY };

struct row {
    const struct spool_rec *rec;
    enum kind kind;
    json_t *obj; /* the columns of its statement's recordset */
    int round;   /* preferences: how many earlier rows of this batch touch the same contact */
};

/* ---- decoding: spooled JSON -> statement rows ---- */

static bool
move_time(json_t *o, const char *from, const char *to)
{
    json_t *us = json_object_get(o, from);
    if (!json_is_integer(us)) return false;
    char iso[32];
    rec_iso_time(json_integer_value(us), iso);
    return json_object_set_new(o, to, json_string(iso)) == 0 && json_object_del(o, from) == 0;
}

/* 0 (a number the daemons use for "none") becomes NULL. */
static void
zero_is_null(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v) && json_integer_value(v) == 0) json_object_set_new(o, key, json_null());
}

static const char *
decode_event(json_t *o)
{
    if (!json_is_string(json_object_get(o, "id"))) return "no event id";
    if (!json_is_string(json_object_get(o, "type"))) return "no event type";
    if (!move_time(o, "occurred_us", "occurred_at")) return "no occurred_us time";
    zero_is_null(o, "contact_id");
    return NULL;
}

static const char *
decode_message(json_t *o)
{
    char sent[37];
    const char *recipient = json_string_value(json_object_get(o, "recipient"));
    if (!recipient) return "message has no recipient";
    if (rec_sent_event_id(json_string_value(json_object_get(o, "id")), recipient, sent) < 0)
        return "message id is not a UUID";
    if (!move_time(o, "sent_us", "sent_at")) return "no sent_us time";
    zero_is_null(o, "contact_id");
    zero_is_null(o, "enrollment_id");
    return json_object_set_new(o, "event_id", json_string(sent)) == 0 ? NULL : "out of memory";
}

static const char *
decode_api_event(json_t *o)
{
    const char *why = decode_event(o);
    if (why) return why;
    if (!json_is_string(json_object_get(o, "tenant"))) return "no tenant";
    return move_time(o, "accepted_us", "accepted_at") ? NULL : "no accepted_us time";
}

static int
kind_of(const char *name)
{
    for (int k = 0; name && k < K_COUNT; k++)
        if (strcmp(name, kind_names[k]) == 0) return k;
    return -1;
}

/* Fill `r` from one spooled record; NULL, or why it cannot be applied. */
static const char *
decode(const struct spool_rec *rec, struct row *r)
{
    json_error_t jerr;
    json_t *o = json_loadb(rec->data, rec->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(o)) {
        json_decref(o);
        return o ? "not a JSON object" : "not valid JSON";
    }
    int k = kind_of(json_string_value(json_object_get(o, "kind")));
    const char *why = k < 0            ? "unknown kind (written by a newer tern?)"
                      : k == K_MESSAGE ? decode_message(o)
                      : k == K_API     ? decode_api_event(o)
                                       : decode_event(o);
    if (!why && k == K_PREFERENCES && !json_is_object(json_object_get(o, "attrs")))
        why = "preferences without an attrs object";
    if (why) {
        json_decref(o);
        return why;
    }
    json_object_del(o, "kind");
    *r = (struct row){rec, (enum kind)k, o, 0};
    return NULL;
}

static void
free_rows(struct row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_decref(rows[i].obj);
    free(rows);
}

/* Preferences of one contact apply in spool order, one statement round each. */
static void
number_rounds(struct row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (rows[i].kind != K_PREFERENCES) continue;
        json_t *c = json_object_get(rows[i].obj, "contact_id");
        for (size_t j = 0; j < i; j++)
            if (rows[j].kind == K_PREFERENCES &&
                json_equal(c, json_object_get(rows[j].obj, "contact_id")))
                rows[i].round++;
    }
}

/* ---- records set aside ---- */

/* A record the batch cannot apply, to keep in tern.record_rejects when the batch commits. */
struct reject {
    const struct spool_rec *rec;
    const char *kind; /* NULL: the record could not be read */
    char why[576];    /* a prefix and an error text of up to 512 bytes */
};

struct rejects {
    struct reject *v; /* made at the first one, room for every record of the batch (each is set
                         aside at most once): a batch with none, nearly all, costs nothing */
    size_t n, cap;
    bool oom; /* one could not be noted: the batch must not commit without it */
};

static void
set_aside(struct rejects *rj, const struct spool_rec *rec, const char *kind, const char *prefix,
          const char *why)
{
    if (!rj->v && !(rj->v = calloc(rj->cap, sizeof *rj->v))) {
        rj->oom = true;
        return;
    }
    struct reject *r = &rj->v[rj->n++];
    r->rec = rec;
    r->kind = kind;
    snprintf(r->why, sizeof r->why, "%s%s", prefix, why);
}

/* Decode the records whose copied[i] is `want` (every one without `copied`), appending to
 * rows (room for n), and number the rounds again. */
static void
decode_some(const struct spool_rec *recs, size_t n, const bool *copied, bool want, struct row *rows,
            size_t *nrows, struct rejects *rj)
{
    for (size_t i = 0; i < n; i++) {
        if (copied && copied[i] != want) continue;
        const char *why = decode(&recs[i], &rows[*nrows]);
        if (!why) {
            (*nrows)++;
            continue;
        }
        log_warn("-", "spooled record %" PRIu64 " set aside in tern.record_rejects: %s",
                 recs[i].seq, why);
        set_aside(rj, &recs[i], NULL, "", why);
    }
    for (size_t i = 0; i < *nrows; i++)
        rows[i].round = 0;
    number_rounds(rows, *nrows);
}

/* The event records rec_copy_event_row takes, as COPY text into `copy`; copied[i] says which. */
static bool *
split_copy(const struct spool_rec *recs, size_t n, struct buf *copy)
{
    bool *copied = calloc(n ? n : 1, sizeof *copied);
    for (size_t i = 0; copied && i < n; i++)
        copied[i] = rec_copy_event_row(recs[i].data, recs[i].len, copy);
    return copied;
}

/* ---- running statements ---- */

/*
 * SQLSTATE classes that blame the data, not the server: retrying such a
 * record can never succeed, so it is skipped. Everything else (08
 * connection, 57 timeout or shutdown, 53 resources, 40 deadlock, 42 a
 * missing table ...) is retried, because skipping would lose records.
 */
static const char *const refused_classes[] = {
    "22", /* data exception: bad inet, uuid, timestamp, number out of range */
    "23", /* integrity constraint: check, not null, foreign key, tenant missing */
    "54", /* program limit exceeded: a value too large to index */
};

static enum outcome
classify(PGconn *conn, const PGresult *res)
{
    if (PQstatus(conn) != CONNECTION_OK) return RETRY;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    for (size_t i = 0; state && i < sizeof refused_classes / sizeof *refused_classes; i++)
        if (strncmp(state, refused_classes[i], 2) == 0) return REFUSED;
    return RETRY;
}

static enum outcome
exec_simple(PGconn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, sql);
    enum outcome o = PQresultStatus(res) == PGRES_COMMAND_OK ? APPLIED : classify(conn, res);
    if (o != APPLIED) db_error(conn, res, err, errlen);
    PQclear(res);
    return o;
}

/* Send the COPY text in `copy` to tern.events. */
static enum outcome
exec_copy(PGconn *conn, const struct buf *copy, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, SQL_COPY_EVENTS);
    bool in = PQresultStatus(res) == PGRES_COPY_IN;
    enum outcome o = in ? APPLIED : classify(conn, res);
    if (!in) db_error(conn, res, err, errlen);
    PQclear(res);
    if (!in) return o;
    if (PQputCopyData(conn, copy->data, (int)copy->len) != 1 || PQputCopyEnd(conn, NULL) != 1) {
        snprintf(err, errlen, "COPY failed: %s", PQerrorMessage(conn));
        o = RETRY;
    }
    while ((res = PQgetResult(conn))) {
        if (o == APPLIED && PQresultStatus(res) != PGRES_COMMAND_OK) {
            o = classify(conn, res);
            db_error(conn, res, err, errlen);
        }
        PQclear(res);
    }
    return o;
}

/* Rows a statement returns are records it set aside, (id, reason): say so. */
static void
log_set_aside(const PGresult *res, enum kind kind)
{
    for (int i = 0; i < PQntuples(res); i++)
        log_warn("-", "spooled %s %s kept in tern.event_rejects: %s", kind_names[kind],
                 PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
}

static enum outcome
exec_one(PGconn *conn, const char *sql, enum kind kind, const char *rows, char *err, size_t errlen)
{
    const char *params[] = {rows};
    PGresult *res = PQexecParams(conn, sql, 1, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    enum outcome o =
        st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? APPLIED : classify(conn, res);
    if (o != APPLIED) db_error(conn, res, err, errlen);
    if (st == PGRES_TUPLES_OK) log_set_aside(res, kind);
    PQclear(res);
    return o;
}

/* Run the statements of `kind` over a JSON array of its rows. */
static enum outcome
exec_rows(PGconn *conn, enum kind kind, json_t *array, char *err, size_t errlen)
{
    char *text = json_dumps(array, JSON_COMPACT);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return RETRY;
    }
    enum outcome o =
        kind_pre_sql[kind] ? exec_one(conn, kind_pre_sql[kind], kind, text, err, errlen) : APPLIED;
    if (o == APPLIED) o = exec_one(conn, kind_sql[kind], kind, text, err, errlen);
    free(text);
    return o;
}

static int
max_round(const struct row *rows, size_t n)
{
    int m = 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].round > m) m = rows[i].round;
    return m;
}

/* The rows of `kind` (and `round`) as one array; NULL when there are none. */
static json_t *
collect(const struct row *rows, size_t n, enum kind kind, int round, bool *oom)
{
    json_t *a = NULL;
    for (size_t i = 0; i < n && !*oom; i++) {
        if (rows[i].kind != kind || rows[i].round != round) continue;
        if (!a && !(a = json_array())) *oom = true;
        if (a && json_array_append(a, rows[i].obj) < 0) *oom = true;
    }
    return a;
}

static enum outcome
apply_grouped(PGconn *conn, const struct row *rows, size_t n, char *err, size_t errlen)
{
    int rounds = max_round(rows, n);
    for (int k = 0; k < K_COUNT; k++) {
        for (int round = 0; round <= (k == K_PREFERENCES ? rounds : 0); round++) {
            bool oom = false;
            json_t *a = collect(rows, n, (enum kind)k, round, &oom);
            enum outcome o = oom ? RETRY
                             : a ? exec_rows(conn, (enum kind)k, a, err, errlen)
                                 : APPLIED;
            if (oom) snprintf(err, errlen, "out of memory");
            json_decref(a);
            if (o != APPLIED) return o;
        }
    }
    return APPLIED;
}

/* One row inside its own savepoint; a refused one is rolled back, logged and set aside. */
static enum outcome
apply_one(PGconn *conn, const struct row *r, struct rejects *rj, char *err, size_t errlen)
{
    enum outcome o = exec_simple(conn, "SAVEPOINT rec", err, errlen);
    if (o != APPLIED) return RETRY;
    json_t *a = json_array();
    if (!a || json_array_append(a, r->obj) < 0) {
        json_decref(a);
        snprintf(err, errlen, "out of memory");
        return RETRY;
    }
    char why[512];
    o = exec_rows(conn, r->kind, a, why, sizeof why);
    json_decref(a);
    if (o == RETRY) {
        snprintf(err, errlen, "%s", why);
        return RETRY;
    }
    if (o == REFUSED) {
        log_warn("-",
                 "spooled record %" PRIu64 " (%s) set aside in tern.record_rejects:"
                 " PostgreSQL refused it: %s",
                 r->rec->seq, kind_names[r->kind], why);
        set_aside(rj, r->rec, kind_names[r->kind], "PostgreSQL refused it: ", why);
        return exec_simple(conn, "ROLLBACK TO SAVEPOINT rec", err, errlen) == APPLIED ? APPLIED
                                                                                      : RETRY;
    }
    return exec_simple(conn, "RELEASE SAVEPOINT rec", err, errlen) == APPLIED ? APPLIED : RETRY;
}

static enum outcome
apply_each(PGconn *conn, const struct row *rows, size_t n, struct rejects *rj, char *err,
           size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        if (apply_one(conn, &rows[i], rj, err, errlen) != APPLIED) return RETRY;
    return APPLIED;
}

/* Write what the batch set aside. A record is never dropped for want of a place to keep it:
 * any failure here is a retry of the whole batch. */
static enum outcome
keep_rejects(PGconn *conn, const struct rejects *rj, char *err, size_t errlen)
{
    if (rj->oom) {
        snprintf(err, errlen, "out of memory");
        return RETRY;
    }
    for (size_t i = 0; i < rj->n; i++) {
        const struct reject *r = &rj->v[i];
        const char *p[] = {r->kind, r->why, r->rec->data ? r->rec->data : ""};
        int len[] = {0, 0, (int)r->rec->len}, fmt[] = {0, 0, 1}; /* the record as bytes */
        PGresult *res = PQexecParams(conn, SQL_KEEP_REJECT, 3, NULL, p, len, fmt, 0);
        bool kept = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!kept) db_error(conn, res, err, errlen);
        PQclear(res);
        if (!kept) return RETRY;
    }
    return APPLIED;
}

static void
roll_back(PGconn *conn)
{
    if (PQstatus(conn) != CONNECTION_OK) return;
    PGresult *res = PQexec(conn, "ROLLBACK");
    PQclear(res);
}

/* One transaction: the COPY rows (`copy`, may be empty) and the rest grouped, or one by
 * one with savepoints, and what the batch set aside. */
static enum outcome
transaction(PGconn *conn, const struct buf *copy, const struct row *rows, size_t n, bool each,
            struct rejects *rj, char *err, size_t errlen)
{
    size_t unreadable = rj->n; /* set aside before the transaction: kept whatever it does */
    /* The spool forgets a batch once this commits: never let the server
     * acknowledge a commit it could still lose (synchronous_commit = off). */
    enum outcome o = exec_simple(conn, "BEGIN; SET LOCAL synchronous_commit = on", err, errlen);
    if (o == APPLIED && copy->len) o = exec_copy(conn, copy, err, errlen);
    if (o == APPLIED)
        o = each ? apply_each(conn, rows, n, rj, err, errlen)
                 : apply_grouped(conn, rows, n, err, errlen);
    if (o == APPLIED) o = keep_rejects(conn, rj, err, errlen);
    if (o == APPLIED && exec_simple(conn, "COMMIT", err, errlen) != APPLIED) o = RETRY;
    if (o != APPLIED) {
        roll_back(conn);
        rj->n = unreadable;
    }
    return o;
}

int
rec_apply(PGconn *conn, const struct spool_rec *recs, size_t n, size_t *skipped, char *err,
          size_t errlen)
{
    size_t nrows = 0;
    *skipped = 0;
    if (n == 0) return 0;
    struct buf copy = BUF_INIT;
    bool *copied = split_copy(recs, n, &copy);
    struct row *rows = copied ? calloc(n, sizeof *rows) : NULL;
    struct rejects rj = {.cap = n};
    if (!rows) {
        free(copied);
        buf_free(&copy);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    decode_some(recs, n, copied, false, rows, &nrows, &rj);
    char why[512] = "";
    enum outcome o = transaction(conn, &copy, rows, nrows, false, &rj, why, sizeof why);
    if (o == REFUSED && copy.len) { /* a replay, or a value refused: every record decoded */
        decode_some(recs, n, copied, true, rows, &nrows, &rj);
        buf_reset(&copy);
        o = transaction(conn, &copy, rows, nrows, false, &rj, why, sizeof why);
    }
    if (o == REFUSED) o = transaction(conn, &copy, rows, nrows, true, &rj, why, sizeof why);
    free_rows(rows, nrows);
    free(copied);
    buf_free(&copy);
    free(rj.v);
    if (o != APPLIED) {
        snprintf(err, errlen, "cannot apply %zu spooled records: %s", n, why);
        return -1;
    }
    *skipped = rj.n;
    return 0;
}
