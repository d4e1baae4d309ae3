/*
 * ep_api.c - POST /v1/events: the authenticated events API
 *
 * In the HTTP thread, without touching the database: check the key (an
 * in-memory copy, apikeys.h) and its rate limit, parse the body (one event
 * object, or an array of up to API_BATCH_MAX) and validate every item.
 * Then on a worker thread: one SQL statement resolves each item's contact
 * within the key's tenant, claims its idempotency key and inserts its
 * event, all in one transaction, so a batch is written exactly once
 * however often a client retries it. The answer lists every item:
 *
 *     202 {"accepted": 2, "duplicates": 1, "rejected": 1, "results": [
 *          {"index": 0, "status": "accepted", "id": "<uuid>"},
 *          {"index": 1, "status": "duplicate", "id": "<uuid of the first>"},
 *          {"index": 2, "status": "rejected", "error": "type: ..."}, ...]}
 *
 * 202 when at least one item was accepted or was a duplicate, 422 when
 * none was, 400 for a body that is not JSON, 401 for a bad key, 429 over
 * the rate limit, 503 when PostgreSQL is unreachable (nothing written;
 * retry with the same idempotency keys). Unknown contacts are rejected
 * per item, never created: a shop must not be able to grow the audience
 * by posting addresses.
 *
 * The API writes to PostgreSQL directly rather than through the spool:
 * it needs PostgreSQL anyway to find contacts by address and to make
 * idempotency keys exact, and a committed transaction is at least as
 * durable as the spool.
 */
#define LOG_MODULE "api"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apikeys.h"
#include "db.h"
#include "endpoints.h"
#include "events.h"
#include "gen.h"
#include "log.h"

#define API_BATCH_MAX 1000
#define IDEM_MAX      128

struct api_job {
    struct tr_job base;
    char key_id[APIKEY_ID_LEN + 1];
    char tenant[64];
    json_t *results; /* one object per item, rejected ones already filled */
    json_t *valid;   /* the items to write, each with its "index" */
};

/* ---------------------------------------------------------------------
 * validating items (no database)
 * --------------------------------------------------------------------- */

static bool
digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    return true;
}

/* 2026-03-01T12:00:00[.123456](Z|+01:00): what PostgreSQL will parse the same way. */
static bool
iso8601(const char *s)
{
    if (strlen(s) < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2) || s[10] != 'T' || !digits(s + 11, 2) || s[13] != ':' ||
        !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        int n = 0;
        while (isdigit((unsigned char)p[1 + n]))
            n++;
        if (n == 0 || n > 6) return false;
        p += 1 + n;
    }
    if (strcmp(p, "Z") == 0) return true;
    return (p[0] == '+' || p[0] == '-') && strlen(p) == 6 && digits(p + 1, 2) && p[3] == ':' &&
           digits(p + 4, 2);
}

static const char *
check_contact(json_t *item)
{
    json_t *email = json_object_get(item, "email"), *id = json_object_get(item, "contact_id");
    if (!email == !id) return "give exactly one of email and contact_id";
    if (id)
        return json_is_integer(id) && json_integer_value(id) > 0
                   ? NULL
                   : "contact_id: must be a positive integer";
    const char *e = json_string_value(email);
    if (!e || !strchr(e, '@') || strlen(e) > 254) return "email: must be an address";
    return NULL;
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
    if (bad || (bad = check_contact(item))) return bad;
    const char *type = json_string_value(json_object_get(item, "type"));
    if (!type) return "type: required, a string like order.placed";
    if ((bad = ev_type_problem(type))) {
        snprintf(why, n, "type: %s", bad);
        return why;
    }
    json_t *data = json_object_get(item, "data");
    if (data && !json_is_object(data)) return "data: must be a JSON object";
    json_t *at = json_object_get(item, "occurred_at");
    if (at && (!json_is_string(at) || !iso8601(json_string_value(at))))
        return "occurred_at: must be ISO 8601 with a zone, like 2026-03-01T12:00:00Z";
    json_t *idem = json_object_get(item, "idempotency_key");
    if (idem &&
        (!json_is_string(idem) || !json_string_length(idem) || json_string_length(idem) > IDEM_MAX))
        return "idempotency_key: must be a string of 1 to 128 characters";
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
 * writing (worker thread)
 * --------------------------------------------------------------------- */

/* One statement: resolve contacts, claim idempotency keys, insert events, report each item. */
static const char write_sql[] =
    "WITH items AS ("
    "  SELECT (item->>'index')::int AS idx, item FROM jsonb_array_elements($1::jsonb) AS t(item)"
    "), resolved AS MATERIALIZED ("
    "  SELECT idx, item, gen_random_uuid() AS new_id,"
    "         CASE WHEN item ? 'contact_id'"
    "              THEN (SELECT c.id FROM tern.contacts c"
    "                     WHERE c.id = (item->>'contact_id')::bigint AND c.tenant = $2)"
    "              ELSE (SELECT c.id FROM tern.contacts c"
    "                     WHERE c.tenant = $2 AND lower(c.email) = lower(item->>'email')) END"
    "           AS contact_id"
    "    FROM items"
    "), claimed AS ("
    "  INSERT INTO tern.api_idempotency (key_id, idempotency_key, event_id)"
    "  SELECT $3, item->>'idempotency_key', new_id FROM resolved"
    "   WHERE contact_id IS NOT NULL AND item ? 'idempotency_key'"
    "  ON CONFLICT DO NOTHING RETURNING event_id"
    "), inserted AS ("
    "  INSERT INTO tern.events (id, contact_id, type, occurred_at, source, data)"
    "  SELECT new_id, contact_id, item->>'type',"
    "         coalesce((item->>'occurred_at')::timestamptz, now()), 'api',"
    "         coalesce(item->'data', '{}'::jsonb)"
    "    FROM resolved"
    "   WHERE contact_id IS NOT NULL"
    "     AND (NOT item ? 'idempotency_key' OR new_id IN (SELECT event_id FROM claimed))"
    "  RETURNING id"
    ")"
    " SELECT r.idx,"
    "        CASE WHEN r.contact_id IS NULL THEN 'unknown'"
    "             WHEN r.new_id IN (SELECT id FROM inserted) THEN 'accepted'"
    "             ELSE 'duplicate' END,"
    "        CASE WHEN r.new_id IN (SELECT id FROM inserted) THEN r.new_id"
    "             ELSE (SELECT a.event_id FROM tern.api_idempotency a"
    "                    WHERE a.key_id = $3 AND a.idempotency_key = r.item->>'idempotency_key')"
    "        END"
    "   FROM resolved r ORDER BY r.idx";

static json_t *
written(PGresult *res, int row, const char *tenant)
{
    json_int_t idx = strtoll(PQgetvalue(res, row, 0), NULL, 10);
    const char *status = PQgetvalue(res, row, 1);
    if (strcmp(status, "unknown") == 0) {
        char why[128];
        snprintf(why, sizeof why, "no such contact in tenant %s", tenant);
        return rejected((size_t)idx, why);
    }
    return json_pack("{s:I, s:s, s:s?}", "index", idx, "status", status, "id",
                     PQgetisnull(res, row, 2) ? NULL : PQgetvalue(res, row, 2));
}

/* Run the statement; -1 with `err` when nothing was written. */
static int
write_items(struct api_job *job, PGconn *conn, char *err, size_t errlen)
{
    char *items = json_dumps(job->valid, JSON_COMPACT);
    if (!items) return snprintf(err, errlen, "out of memory"), -1;
    const char *params[] = {items, job->tenant, job->key_id};
    PGresult *res = PQexecParams(conn, write_sql, 3, NULL, params, NULL, NULL, 0);
    free(items);
    int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : -1;
    for (int row = 0; rc == 0 && row < PQntuples(res); row++) {
        json_t *r = written(res, row, job->tenant);
        size_t idx = (size_t)json_integer_value(json_object_get(r, "index"));
        if (!r || json_array_set_new(job->results, idx, r)) rc = -1;
    }
    if (rc < 0) db_error(conn, res, err, errlen);
    PQclear(res);
    return rc;
}

static void
answer_results(struct api_job *job, struct tr_reply *rp)
{
    size_t i, counts[3] = {0};
    json_t *r;
    json_array_foreach(job->results, i, r)
    {
        const char *st = json_string_value(json_object_get(r, "status"));
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
    char err[512] = "PostgreSQL is not connected";
    struct db_pool *db = g->shared->db;
    PGconn *conn = json_array_size(job->valid) && db ? db_lease(db, 2000, err, sizeof err) : NULL;
    if (json_array_size(job->valid) && (!conn || write_items(job, conn, err, sizeof err) < 0)) {
        log_warn(job->key_id, "events not written: %s", err);
        if (conn) db_release(db, conn);
        tr_reply_status_text(rp, 503, "PostgreSQL unavailable, nothing was written; retry");
        rp->retry_after = 5;
        return;
    }
    if (conn) db_release(db, conn);
    answer_results(job, rp);
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
