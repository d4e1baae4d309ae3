/*
 * ep_api.c - POST /v1/events: the authenticated events API
 *
 * In the HTTP thread, without touching the database: check the key (an
 * in-memory copy, apikeys.h) and its rate limit, parse the body (one event
 * object, or an array of up to API_BATCH_MAX) and validate every item:
 * syntax, sizes and types are answered at once, per item.
 *
 * Then on a worker thread, every valid item is given its event id (a
 * UUIDv7) and appended to the spool like a click; the answer goes out once
 * the group commit made them durable, and the drain writes them into
 * PostgreSQL (record kind api_event, record.h), where contacts are found,
 * unknown addresses become pending contacts and idempotency keys are
 * settled. Before spooling, when PostgreSQL answers within a moment, one
 * read-only query rejects contact ids the key's tenant does not have and
 * finds the first event of idempotency keys already written; the recent
 * keys this tracker accepted itself answer repeats that have not reached
 * PostgreSQL yet (memo.h). PostgreSQL away: items are spooled unchecked
 * and the drain settles them. The answer lists every item:
 *
 *     202 {"accepted": 2, "duplicates": 1, "rejected": 1, "results": [
 *          {"index": 0, "status": "accepted", "id": "<uuid>"},
 *          {"index": 1, "status": "duplicate", "id": "<uuid of the first>"},
 *          {"index": 2, "status": "rejected", "error": "type: ..."}, ...]}
 *
 * 202 when at least one item was accepted or was a duplicate, 422 when
 * none was, 400 for a body that is not JSON, 401 for a bad key, 429 over
 * the rate limit, 503 with Retry-After when the spool refuses (full):
 * nothing was accepted, retry.
 */
#define LOG_MODULE "api"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apikeys.h"
#include "db.h"
#include "email.h"
#include "endpoints.h"
#include "events.h"
#include "gen.h"
#include "memo.h"
#include "metrics.h"
#include "log.h"
#include "record.h"
#include "spool.h"

#define API_BATCH_MAX 1000
#define CHECK_WAIT_MS 250 /* how long the checks wait for a database connection */
#define UUID_TEXT_LEN 36  /* an event id as text (rec_new_event_id) */

struct api_job {
    struct tr_job base;
    char key_id[APIKEY_ID_LEN + 1];
    char tenant[64];
    int64_t now_us;  /* when the request came */
    json_t *results; /* one object per item, rejected ones already filled */
    json_t *valid;   /* the items to write, each with its "index" */
};

/* ---------------------------------------------------------------------
 * validating items (no database)
 * --------------------------------------------------------------------- */

/* The contact fields; an address is replaced by its normalized form (email.h),
 * the one `tern contacts import` stores, so a contact it creates matches later imports. */
static const char *
check_contact(json_t *item, char *why, size_t n)
{
    json_t *email = json_object_get(item, "email"), *id = json_object_get(item, "contact_id");
    if (!email == !id) return "give exactly one of email and contact_id";
    if (id)
        return json_is_integer(id) && json_integer_value(id) > 0
                   ? NULL
                   : "contact_id: must be a positive integer";
    if (!json_is_string(email)) return "email: must be a string";
    char err[200];
    struct buf norm = BUF_INIT;
    enum email_status st = email_normalize(json_string_value(email), json_string_length(email),
                                           &norm, err, sizeof err);
    if (st == EMAIL_OK && json_object_set_new(item, "email", json_string(buf_str(&norm))) < 0)
        st = EMAIL_NOMEM;
    buf_free(&norm);
    if (st == EMAIL_OK) return NULL;
    snprintf(why, n, "email: %s", st == EMAIL_NOMEM ? "out of memory" : err);
    return why;
}

static const char *
check_fields(json_t *item)
{
    const char *key;
    json_t *v;
    json_object_foreach(item, key, v)
    {
        static const char *const known[] = {"email",       "contact_id",      "type", "data",
                                            "occurred_at", "idempotency_key", NULL};
        bool ok = false;
        for (size_t i = 0; known[i]; i++)
            ok = ok || strcmp(known[i], key) == 0;
        if (!ok)
            return "unknown field (expected email or contact_id, type, data, occurred_at, "
                   "idempotency_key)";
    }
    return NULL;
}

/* The problem with one item, or NULL. `why` holds composed messages. */
static const char *
item_problem(json_t *item, char *why, size_t n)
{
    if (!json_is_object(item)) return "an event must be a JSON object";
    const char *bad = check_fields(item);
    if (bad || (bad = check_contact(item, why, n))) return bad;
    const char *type = json_string_value(json_object_get(item, "type"));
    if (!type) return "type: required, a string like order.placed";
    if ((bad = ev_type_problem(type))) {
        snprintf(why, n, "type: %s", bad);
        return why;
    }
    json_t *data = json_object_get(item, "data");
    if (data && !json_is_object(data)) return "data: must be a JSON object";
    json_t *at = json_object_get(item, "occurred_at");
    int64_t us;
    if (at && !json_is_string(at))
        return "occurred_at: must be ISO 8601 with a zone, like 2026-03-01T12:00:00Z";
    if (at && (bad = ev_time_parse(json_string_value(at), &us))) {
        snprintf(why, n, "occurred_at: %s", bad);
        return why;
    }
    json_t *idem = json_object_get(item, "idempotency_key");
    if (idem && (!json_is_string(idem) || !json_string_length(idem) ||
                 json_string_length(idem) > REC_IDEM_MAX ||
                 strlen(json_string_value(idem)) != json_string_length(idem)))
        return "idempotency_key: must be a string of 1 to 128 bytes";
    return NULL;
}

/* An idempotency key seen earlier in the same batch, or NULL. */
static const char *
repeated_key(json_t *valid, json_t *item)
{
    const char *k = json_string_value(json_object_get(item, "idempotency_key"));
    size_t i;
    json_t *prev;
    json_array_foreach(valid, i, prev)
    {
        const char *p = json_string_value(json_object_get(prev, "idempotency_key"));
        if (k && p && strcmp(k, p) == 0) return "idempotency_key: repeats an earlier item";
    }
    return NULL;
}

static json_t *
rejected(size_t index, const char *why)
{
    return json_pack("{s:I, s:s, s:s}", "index", (json_int_t)index, "status", "rejected", "error",
                     why);
}

/* Split `items` into results (rejected ones filled, others null) and valid items. */
static int
sort_items(json_t *items, struct api_job *job)
{
    size_t i;
    json_t *item;
    char why[256];
    json_array_foreach(items, i, item)
    {
        const char *bad = item_problem(item, why, sizeof why);
        if (!bad) bad = repeated_key(job->valid, item);
        json_t *res = bad ? rejected(i, bad) : json_null();
        json_t *copy = bad ? NULL : json_deep_copy(item);
        if (!res || json_array_append_new(job->results, res) ||
            (copy && (json_object_set_new(copy, "index", json_integer((json_int_t)i)) ||
                      json_array_append_new(job->valid, copy))) ||
            (!bad && !copy))
            return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------------
 * checking with PostgreSQL, when it answers (worker thread)
 * --------------------------------------------------------------------- */

/* For each item with a contact id or an idempotency key: is the contact the
 * tenant's, and which event holds the key already. */
static const char check_sql[] =
    "SELECT (i->>'index')::int,"
    "       NOT i ? 'contact_id' OR EXISTS (SELECT 1 FROM tern.contacts c"
    "        WHERE c.id = (i->>'contact_id')::bigint AND c.tenant = $2),"
    "       (SELECT k.event_id FROM tern.event_idempotency k"
    "         WHERE k.tenant = $2 AND k.idempotency_key = i->>'idempotency_key')"
    "  FROM jsonb_array_elements($1::jsonb) AS t(i)";

/* The fields the check needs, of the items that have any; NULL when none has. */
static json_t *
check_items(const struct api_job *job)
{
    json_t *a = json_array(), *item;
    size_t i;
    json_array_foreach(job->valid, i, item)
    {
        json_t *id = json_object_get(item, "contact_id"),
               *key = json_object_get(item, "idempotency_key");
        if ((id || key) &&
            json_array_append_new(a, json_pack("{s:O, s:O*, s:O*}", "index",
                                               json_object_get(item, "index"), "contact_id", id,
                                               "idempotency_key", key)))
            break;
    }
    if (json_array_size(a)) return a;
    json_decref(a);
    return NULL;
}

static void
checked(struct api_job *job, PGresult *res)
{
    char why[128];
    for (int row = 0; row < PQntuples(res); row++) {
        size_t idx = (size_t)strtoull(PQgetvalue(res, row, 0), NULL, 10);
        json_t *r = NULL;
        if (strcmp(PQgetvalue(res, row, 1), "t") != 0) {
            snprintf(why, sizeof why, "no such contact in tenant %s", job->tenant);
            r = rejected(idx, why);
        } else if (!PQgetisnull(res, row, 2)) {
            r = json_pack("{s:I, s:s, s:s}", "index", (json_int_t)idx, "status", "duplicate", "id",
                          PQgetvalue(res, row, 2));
        }
        if (r) json_array_set_new(job->results, idx, r);
    }
}

/* Run the checks when PostgreSQL answers; without it the drain settles everything. */
static void
check_known(struct api_job *job, struct db_pool *db)
{
    json_t *items = check_items(job);
    char err[512] = "PostgreSQL is not connected";
    PGconn *conn = items && db ? db_lease(db, CHECK_WAIT_MS, err, sizeof err) : NULL;
    char *text = conn ? json_dumps(items, JSON_COMPACT) : NULL;
    json_decref(items);
    if (!text) {
        if (items) log_debug(job->key_id, "events spooled unchecked: %s", err);
        if (conn) db_release(db, conn);
        return;
    }
    const char *params[] = {text, job->tenant};
    PGresult *res = PQexecParams(conn, check_sql, 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        checked(job, res);
    else
        log_debug(job->key_id, "events spooled unchecked: %s",
                  db_error(conn, res, err, sizeof err));
    PQclear(res);
    free(text);
    db_release(db, conn);
}

/* ---------------------------------------------------------------------
 * spooling (worker thread)
 * --------------------------------------------------------------------- */

/* Encode one item as an api_event record with event id `id`. */
static int
encode_item(const struct api_job *job, json_t *item, const char *id, int64_t now, struct buf *out,
            char *err, size_t errlen)
{
    struct rec_api_event ev = {
        .tenant = job->tenant,
        .key_id = job->key_id,
        .email = json_string_value(json_object_get(item, "email")),
        .contact_id = json_integer_value(json_object_get(item, "contact_id")),
        .type = json_string_value(json_object_get(item, "type")),
        .idem_key = json_string_value(json_object_get(item, "idempotency_key")),
        .source = "api",
        .accepted_us = now,
    };
    memcpy(ev.id, id, sizeof ev.id - 1); /* a UUID text: exactly 36 bytes */
    const char *at = json_string_value(json_object_get(item, "occurred_at"));
    if (at) ev_time_parse(at, &ev.occurred_us); /* validated in the HTTP thread */
    json_t *data = json_object_get(item, "data");
    char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
    ev.data = text;
    int rc = data && !text ? -1 : rec_encode_api_event(&ev, out, err, errlen);
    if (data && !text) snprintf(err, errlen, "out of memory");
    free(text);
    return rc;
}

static json_t *
accepted(size_t index, const char *status, const char *id)
{
    return json_pack("{s:I, s:s, s:s}", "index", (json_int_t)index, "status", status, "id", id);
}

/* The answer waits until the spool holds every record up to `seq`. */
static void
sync_up_to(struct tr_reply *rp, uint64_t seq)
{
    if (!rp->must_sync || seq > rp->sync_seq) rp->sync_seq = seq;
    rp->must_sync = true;
}

/*
 * A repeat of an idempotency key the tracker holds: the first item's id,
 * answered once the first item is durable (it may still wait for its sync,
 * or the sync may fail: then this answer fails with it).
 */
static json_t *
duplicate(size_t idx, const char *held, struct tr_reply *rp)
{
    char id[UUID_TEXT_LEN + 1];
    snprintf(id, sizeof id, "%.*s", UUID_TEXT_LEN, held);
    sync_up_to(rp, strtoull(held + strlen(id), NULL, 10));
    return accepted(idx, "duplicate", id); /* accepted earlier, maybe not yet drained */
}

/* Spool one item; its result, or NULL when the spool refused it (`err` says why). */
static json_t *
spool_item(struct api_job *job, const struct tr_gen *g, json_t *item, int64_t now,
           struct tr_reply *rp, char *err, size_t errlen)
{
    size_t idx = (size_t)json_integer_value(json_object_get(item, "index"));
    const char *key = json_string_value(json_object_get(item, "idempotency_key"));
    char id[UUID_TEXT_LEN + 1], held[MEMO_VALUE_MAX + 1], memo_key[MEMO_KEY_MAX + 1];
    struct memo_hold hold = {NULL, NULL};
    if (!rec_new_event_id(now, id)) return snprintf(err, errlen, "no random bytes"), NULL;
    struct buf rec = BUF_INIT; /* encoded before the claim: the claim's lock is held short */
    if (encode_item(job, item, id, now, &rec, err, errlen) < 0) {
        buf_free(&rec);
        return NULL;
    }
    if (rec.len > SPOOL_RECORD_MAX) { /* the item's fault, not the spool's */
        char why[160];
        snprintf(why, sizeof why, "too large: %zu bytes as a record, at most %u", rec.len,
                 SPOOL_RECORD_MAX);
        buf_free(&rec);
        return rejected(idx, why);
    }
    snprintf(memo_key, sizeof memo_key, "%s\x1f%s", job->tenant, key ? key : "");
    if (key && !memo_claim(g->shared->idem, memo_key, held, sizeof held, &hold)) {
        buf_free(&rec);
        return duplicate(idx, held, rp);
    }
    uint64_t seq;
    int rc = spool_append(g->shared->spool, rec.data, rec.len, &seq, err, errlen);
    buf_free(&rec);
    if (rc == 0) snprintf(held, sizeof held, "%s %llu", id, (unsigned long long)seq);
    memo_settle(&hold, rc == 0 ? held : NULL); /* a repeat now finds the id and its record */
    if (rc < 0) return NULL;
    sync_up_to(rp, seq);
    return accepted(idx, "accepted", id);
}

/* Spool every item not settled yet. False when the spool refused the first one. */
static bool
spool_items(struct api_job *job, const struct tr_gen *g, struct tr_reply *rp)
{
    char err[512] = "no spool", why[600];
    int64_t now = job->now_us;
    bool refused = !g->shared->spool;
    size_t i;
    json_t *item;
    json_array_foreach(job->valid, i, item)
    {
        size_t idx = (size_t)json_integer_value(json_object_get(item, "index"));
        if (!json_is_null(json_array_get(job->results, idx))) continue; /* settled by a check */
        json_t *r = refused ? NULL : spool_item(job, g, item, now, rp, err, sizeof err);
        if (!r && !refused) log_warn(job->key_id, "events not accepted: %s", err);
        refused = refused || !r;
        if (!r) snprintf(why, sizeof why, "not accepted (%s): send it again", err);
        json_array_set_new(job->results, idx, r ? r : rejected(idx, why));
    }
    return rp->must_sync || !refused;
}

static void
answer_results(struct api_job *job, const struct tr_gen *g, struct tr_reply *rp)
{
    size_t i, counts[3] = {0};
    json_t *r;
    json_array_foreach(job->results, i, r)
    {
        const char *st = json_string_value(json_object_get(r, "status"));
        tr_metrics_api_item(g->shared->metrics, st);
        counts[st && !strcmp(st, "accepted") ? 0 : st && !strcmp(st, "duplicate") ? 1 : 2]++;
    }
    json_t *body = json_pack("{s:I, s:I, s:I, s:O}", "accepted", (json_int_t)counts[0],
                             "duplicates", (json_int_t)counts[1], "rejected", (json_int_t)counts[2],
                             "results", job->results);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    buf_reset(&rp->body);
    if (!text || !buf_puts(&rp->body, text) || !buf_putc(&rp->body, '\n')) {
        tr_reply_status_text(rp, 500, "Internal error");
    } else {
        rp->status = counts[0] + counts[1] ? 202 : 422;
        rp->kind = TR_BODY_JSON;
    }
    free(text);
}

static void
job_run(struct tr_job *base, const struct tr_gen *g, struct tr_reply *rp)
{
    struct api_job *job = (struct api_job *)base;
    check_known(job, g->shared->db);
    if (spool_items(job, g, rp)) {
        answer_results(job, g, rp);
        return;
    }
    tr_reply_status_text(rp, 503, "The event spool is full, nothing was accepted; retry");
    rp->retry_after = 5;
}

static void
job_free(struct tr_job *base)
{
    struct api_job *job = (struct api_job *)base;
    json_decref(job->results);
    json_decref(job->valid);
    free(job);
}

/* ---------------------------------------------------------------------
 * the endpoint (HTTP thread)
 * --------------------------------------------------------------------- */

static void
json_error_reply(struct tr_reply *rp, unsigned status, const char *why)
{
    json_t *o = json_pack("{s:s}", "error", why);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    rp->status = status;
    rp->kind = TR_BODY_JSON;
    if (!text || !buf_puts(&rp->body, text) || !buf_putc(&rp->body, '\n'))
        tr_reply_status_text(rp, status, why);
    free(text);
}

static bool
authorized(const struct tr_gen *g, const struct tr_request *rq, struct api_job *job,
           struct tr_reply *rp)
{
    enum apikeys_verdict v =
        apikeys_check(g->shared->keys, rq->authorization, g->cfg->track.api_rate, rq->now_us,
                      job->key_id, job->tenant);
    if (v == APIKEY_OK) return true;
    if (v == APIKEY_LIMITED) {
        json_error_reply(rp, 429, "rate limit exceeded (track.api_rate)");
        rp->retry_after = 1;
    } else {
        json_error_reply(rp, 401, "missing or unknown API key");
        rp->bearer = true;
    }
    return false;
}

/* The body as an array of items; NULL with a 400 reply. */
static json_t *
parse_items(const struct tr_request *rq, struct tr_reply *rp)
{
    json_error_t jerr;
    char why[256];
    json_t *v = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!v) {
        snprintf(why, sizeof why, "body is not JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                 jerr.column);
        json_error_reply(rp, 400, why);
        return NULL;
    }
    if (json_is_object(v)) {
        json_t *a = json_array();
        if (a && json_array_append_new(a, v) == 0) return a;
        json_decref(a);
        return NULL;
    }
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n == 0 || n > API_BATCH_MAX) {
        snprintf(why, sizeof why, "body must be one event object or an array of 1 to %d",
                 API_BATCH_MAX);
        json_error_reply(rp, 400, why);
        json_decref(v);
        return NULL;
    }
    return v;
}

int
tr_ep_events(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
             struct tr_record *rec)
{
    struct api_job *job = calloc(1, sizeof *job);
    if (!job) return -1;
    job->base = (struct tr_job){job_run, job_free};
    job->now_us = rq->now_us;
    if (!authorized(g, rq, job, rp)) {
        free(job);
        return 0;
    }
    json_t *items = parse_items(rq, rp);
    if (!items) {
        free(job);
        return rp->status == 400 ? 0 : -1;
    }
    job->results = json_array();
    job->valid = json_array();
    int rc = job->results && job->valid ? sort_items(items, job) : -1;
    json_decref(items);
    if (rc < 0) {
        job_free(&job->base);
        return -1;
    }
    rp->job = &job->base; /* finished by job_run on a worker thread */
    return 0;
}
