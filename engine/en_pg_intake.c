/*
 * en_pg_intake.c - new events to enrollments (see en_pg.h)
 *
 * One transaction per batch: lock the cursor (SKIP LOCKED: while another
 * engine holds it, this one skips the intake), take the horizon
 * pg_snapshot_xmin(pg_current_snapshot()) — every transaction below it has
 * ended, so no event below it can still appear — read up to `limit`
 * events after the cursor and below the horizon in (xid, id) order,
 * handle each, move the cursor, commit. An event whose writer is still
 * running waits for a later batch instead of being skipped for good.
 *
 * Per event, as en_sim.c's deliver: for each journey, a live enrollment
 * ends on an exit event, converts on a goal event, else moves on when it
 * waits for this type; a contact without one enters when the event fires
 * the journey's entry and en_may_enter allows it. Entered and moved
 * enrollments become due now; the claim runs their step with this event
 * as c.event (trigger_event). A later event of a contact this batch made
 * due is left for the next batch, so it meets the enrollment after that
 * step ran, as in tern simulate (an entry, then an exit, of one contact
 * in one batch must not find the entry's step unrun).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "en_pg_int.h"

#define LOG_MODULE "engine"
#include "log.h"

#define LIVE "status IN ('active', 'waiting', 'parked')"

struct intake {
    const struct en_pg_run *r;
    const char *ev_id, *contact_id, *type, *at; /* at: Unix seconds */
    json_t *event;
    bool made_due;  /* an enrollment of the contact is due now because of this event */
    PGresult *live; /* journey, id, status, wait_event, step, step_seq of the live enrollments */
    char now[24];
};

/* The live enrollment of the contact in `journey`, as a row of it->live, or -1. */
static int
live_row(const struct intake *it, const char *journey)
{
    for (int i = 0; i < PQntuples(it->live); i++)
        if (strcmp(PQgetvalue(it->live, i, 0), journey) == 0) return i;
    return -1;
}

/* A filter that fails is the journey's error: logged, and the event does not match. */
static bool
fires(const struct intake *it, const struct lh_journey_info *j, const char *which)
{
    char why[EN_REASON_MAX];
    bool match;
    if (en_trigger_match(it->r->st, j, which, it->event, &match, why, sizeof why) == 0)
        return match;
    log_warn(it->ev_id, "journey %s: %s filter: %s", j->name, which, why);
    return false;
}

static int
end_live(const struct intake *it, int row, bool goal, char *err, size_t errlen)
{
    char reason[96];
    snprintf(reason, sizeof reason, "%s %s", goal ? "goal" : "on", it->type);
    const char *id = PQgetvalue(it->live, row, 1);
    int seq = atoi(PQgetvalue(it->live, row, 5)) + 1;
    char s[16];
    snprintf(s, sizeof s, "%d", seq);
    const char *p[] = {it->contact_id, id, goal ? "completed" : "exited", reason, it->now, s};
    if (en_pg_cmd(
            it->r->conn,
            "UPDATE enrollments SET status = $3, end_reason = $4, ended_at = to_timestamp($5),"
            " updated_at = now(), converted_at = CASE WHEN $3 = 'completed'"
            " THEN to_timestamp($5) END, wake_at = NULL, wait_event = NULL,"
            " wait_matched = NULL, step_seq = $6 WHERE contact_id = $1 AND id = $2",
            6, p, err, errlen) < 0)
        return -1;
    return en_pg_log_step(it->r->conn, it->contact_id, id, seq, PQgetvalue(it->live, row, 0),
                          PQgetvalue(it->live, row, 4), goal ? "goal" : "exit", reason, err,
                          errlen);
}

/* The awaited event arrived: the matched step is due now, with this event. */
static int
match_wait(struct intake *it, int row, char *err, size_t errlen)
{
    const char *p[] = {it->contact_id, PQgetvalue(it->live, row, 1), it->ev_id, it->now};
    it->made_due = true;
    return en_pg_cmd(it->r->conn,
                     "UPDATE enrollments SET step = wait_matched, wait_event = NULL,"
                     " wait_matched = NULL, status = 'active', wake_at = to_timestamp($4),"
                     " trigger_event = $3, updated_at = now()"
                     " WHERE contact_id = $1 AND id = $2 AND wait_event IS NOT NULL",
                     4, p, err, errlen);
}

static int
enter(struct intake *it, const struct lh_journey_info *j, const char *tenant, char *err,
      size_t errlen)
{
    struct en_history h;
    if (en_pg_history(it->r->conn, it->contact_id, j->name, &h, err, errlen) < 0) return -1;
    if (!en_may_enter(j, tenant, &h, it->r->now)) return 0;
    const char *p[] = {it->contact_id, j->name, tenant, it->ev_id, it->now};
    it->made_due = true;
    return en_pg_cmd(it->r->conn,
                     "INSERT INTO enrollments (contact_id, journey, tenant, step, wake_at,"
                     " trigger_event) VALUES ($1, $2, $3, 'start', to_timestamp($5), $4)",
                     5, p, err, errlen);
}

static int
journey_sees(struct intake *it, const struct lh_journey_info *j, const char *tenant, char *err,
             size_t errlen)
{
    int row = live_row(it, j->name);
    if (row < 0) return fires(it, j, "entry") ? enter(it, j, tenant, err, errlen) : 0;
    if (fires(it, j, "exit")) return end_live(it, row, false, err, errlen);
    if (fires(it, j, "goal")) return end_live(it, row, true, err, errlen);
    const char *waits = PQgetvalue(it->live, row, 3);
    bool parked = strcmp(PQgetvalue(it->live, row, 2), "parked") == 0;
    if (!parked && strcmp(waits, it->type) == 0) return match_wait(it, row, err, errlen);
    return 0;
}

static int
deliver(struct intake *it, char *err, size_t errlen)
{
    const char *p[] = {it->contact_id};
    PGresult *c =
        en_pg_query(it->r->conn, "SELECT tenant FROM contacts WHERE id = $1", 1, p, err, errlen);
    if (!c) return -1;
    int rc = 0;
    if (PQntuples(c) == 1) /* a deleted contact's events start nothing */
        it->live =
            en_pg_query(it->r->conn,
                        "SELECT journey, id, status, coalesce(wait_event, ''), step,"
                        " step_seq FROM enrollments WHERE contact_id = $1 AND " LIVE " FOR UPDATE",
                        1, p, err, errlen);
    if (PQntuples(c) == 1 && !it->live) rc = -1;
    for (size_t i = 0; it->live && rc == 0 && i < it->r->reg->njourneys; i++)
        rc = journey_sees(it, &it->r->reg->journeys[i], PQgetvalue(c, 0, 0), err, errlen);
    PQclear(it->live);
    it->live = NULL;
    PQclear(c);
    return rc;
}

/* The contacts this batch made due (their later events wait for the next batch). */
struct due_set {
    int64_t *v;
    int n;
};

static bool
is_due(const struct due_set *d, int64_t contact)
{
    for (int i = 0; i < d->n; i++)
        if (d->v[i] == contact) return true;
    return false;
}

/* 0 handled, 1 left for the next batch, -1 failed. */
static int
handle(const struct en_pg_run *r, PGresult *evs, int i, struct due_set *due, char *err,
       size_t errlen)
{
    struct intake it = {.r = r,
                        .ev_id = PQgetvalue(evs, i, 0),
                        .contact_id = PQgetvalue(evs, i, 1),
                        .type = PQgetvalue(evs, i, 2),
                        .at = PQgetvalue(evs, i, 3)};
    int64_t contact = atoll(it.contact_id);
    if (is_due(due, contact)) return 1;
    snprintf(it.now, sizeof it.now, "%lld", (long long)r->now);
    it.event = en_pg_event_json(it.type, it.at, PQgetvalue(evs, i, 4));
    if (!it.event) {
        snprintf(err, errlen, "event %s: out of memory", it.ev_id);
        return -1;
    }
    int rc = deliver(&it, err, errlen);
    json_decref(it.event);
    if (rc == 0 && it.made_due) due->v[due->n++] = contact;
    return rc;
}

/*
 * Past the last of the `n` events handled; past everything below the
 * horizon when every event up to it was handled.
 */
static int
advance(const struct en_pg_run *r, PGresult *evs, int n, const char *horizon, char *err,
        size_t errlen)
{
    if (n == r->limit || n < PQntuples(evs)) {
        const char *p[] = {PQgetvalue(evs, n - 1, 5), PQgetvalue(evs, n - 1, 0)};
        return en_pg_cmd(r->conn,
                         "UPDATE engine_cursor SET last_xid = $1, last_id = $2, updated_at = now()"
                         " WHERE name = 'intake'",
                         2, p, err, errlen);
    }
    const char *p[] = {horizon};
    return en_pg_cmd(
        r->conn,
        "UPDATE engine_cursor SET last_xid = (($1::xid8::text::numeric - 1)::text)::xid8,"
        " last_id = 'ffffffff-ffff-ffff-ffff-ffffffffffff', updated_at = now()"
        " WHERE name = 'intake' AND $1::xid8 > '0'::xid8",
        1, p, err, errlen);
}

static PGresult *
read_batch(const struct en_pg_run *r, char *horizon, size_t hlen, char *err, size_t errlen)
{
    PGresult *cur = en_pg_query(r->conn,
                                "SELECT last_xid, last_id, pg_snapshot_xmin(pg_current_snapshot())"
                                " FROM engine_cursor WHERE name = 'intake' FOR UPDATE SKIP LOCKED",
                                0, NULL, err, errlen);
    if (!cur) return NULL;
    if (PQntuples(cur) == 0) { /* another engine is taking events in */
        PQclear(cur);
        snprintf(horizon, hlen, "busy");
        return NULL;
    }
    char limit[16];
    snprintf(limit, sizeof limit, "%d", r->limit);
    snprintf(horizon, hlen, "%s", PQgetvalue(cur, 0, 2));
    const char *p[] = {PQgetvalue(cur, 0, 0), PQgetvalue(cur, 0, 1), horizon, limit};
    PGresult *evs = en_pg_query(
        r->conn,
        "SELECT id, contact_id, type, extract(epoch FROM occurred_at)::bigint, data::text, xid"
        " FROM events WHERE (xid, id) > ($1::xid8, $2::uuid) AND xid < $3::xid8"
        " AND contact_id IS NOT NULL ORDER BY xid, id LIMIT $4",
        4, p, err, errlen);
    PQclear(cur);
    return evs;
}

int
en_pg_intake(const struct en_pg_run *r, char *err, size_t errlen)
{
    char horizon[32] = "";
    if (en_pg_cmd(r->conn, "BEGIN", 0, NULL, err, errlen) < 0) return -1;
    PGresult *evs = read_batch(r, horizon, sizeof horizon, err, errlen);
    if (!evs) {
        en_pg_rollback(r->conn);
        return strcmp(horizon, "busy") == 0 ? 0 : -1;
    }
    int n = PQntuples(evs), rc = 0, done = 0;
    struct due_set due = {calloc((size_t)n + 1, sizeof *due.v), 0};
    if (!due.v) snprintf(err, errlen, "out of memory"), rc = -1;
    for (; rc == 0 && done < n; done++)
        if ((rc = handle(r, evs, done, &due, err, errlen)) != 0) break;
    if (rc == 1) rc = 0; /* stopped before event `done` */
    if (rc == 0) rc = advance(r, evs, done, horizon, err, errlen);
    free(due.v);
    PQclear(evs);
    if (rc == 0) rc = en_pg_commit(r->conn, err, errlen);
    if (rc < 0) en_pg_rollback(r->conn);
    return rc < 0 ? -1 : done;
}
