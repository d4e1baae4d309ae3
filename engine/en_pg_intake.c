/*
 * en_pg_intake.c - new events to enrollments (see en_pg.h)
 *
 * One transaction per batch and shard (en_pg_shard.c): lock a shard's
 * cursor (SKIP LOCKED: engines hold different shards at once; a call goes
 * round every free shard once), read up to `limit` of its events after the
 * cursor and below the horizon pg_snapshot_xmin(pg_current_snapshot()) --
 * every transaction below it has ended, so no event below it can still
 * appear -- in (xid, id) order, handle each, move the cursor, commit. An
 * event whose writer is still running waits for a later batch instead of
 * being skipped for good.
 *
 * Per event, as en_sim.c's deliver: for each journey, a live enrollment
 * ends on an exit event, converts on a goal event, else moves on when it
 * waits for this type; a contact without one enters when the event fires
 * the journey's entry and en_may_enter allows it. A moved enrollment
 * becomes due now; the claim runs its step with this event as c.event
 * (trigger_event). An entered one runs its first steps at once, in this
 * transaction, through the claim's code (en_pg_run_entered, its id reserved
 * from the identity), and is inserted as they leave it: written once,
 * not inserted due and then updated by a claim. When anything of such a
 * batch fails, the batch is taken in again with its entries left due, and
 * the claim runs them with its own fallback. A later event of a contact
 * this batch entered or made due is left for the next batch, so it meets
 * the enrollment after that step ran, as in tern simulate (an entry, then
 * an exit, of one contact in one batch must not find the entry's step
 * unrun).
 *
 * Set-based: the batch reads its events with their contacts' tenants, then
 * the contacts' live enrollments (locked FOR UPDATE, in contact order) and
 * histories with one statement each, decides in memory -- an enrollment an earlier event of the batch
 * ended is no longer live, and counts in the history -- and writes the
 * ends, the matched waits and their step rows with one statement each,
 * then runs the entries as one claim batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "en_pg_int.h"

#define LOG_MODULE "engine"
#include "log.h"

#define LIVE "status IN ('active', 'waiting', 'parked')"
/* The columns of a read event (read_batch). */
enum { E_ID, E_CONTACT, E_TYPE, E_AT, E_DATA, E_XID, E_TENANT, E_RELEVANT, E_WINDOW_END };

/* Whether event i is the last of its read window (relevant or not). */
static bool
is_window_end(PGresult *evs, int i)
{
    return PQgetvalue(evs, i, E_WINDOW_END)[0] == 't';
}

/* The read window's last event when it is not relevant: read only to move the cursor past
 * what the window saw. */
static bool
is_marker(PGresult *evs, int i)
{
    return PQgetvalue(evs, i, E_RELEVANT)[0] == 'f' && is_window_end(evs, i);
}

/* Whether the first `n` events of a read end on its window's last event: the window, not the
 * events, ended the read, so more may follow at once. */
static bool
ends_window(PGresult *evs, int n)
{
    return n > 0 && is_window_end(evs, n - 1);
}

enum { L_CONTACT, L_JOURNEY, L_ID, L_STATUS, L_WAIT, L_STEP, L_SEQ }; /* it->live */
enum { H_CONTACT, H_JOURNEY, H_ACTIVE, H_ENTERED, H_ENDED };          /* it->hist */

/* What one batch read, and what it will write. */
struct intake {
    const struct en_pg_run *r;
    PGresult *live; /* their live enrollments, by contact */
    PGresult *hist; /* their past per journey, by contact */
    bool *ended;    /* per live row: an event of this batch ended it */
    struct en_pg_rows ends, waits, enters, steps; /* rows to write */
    bool run;               /* run the entries' first steps in this transaction */
    struct en_notes *notes; /* said once the batch commits */
    PGresult *entered;      /* then: the entries, as the claim's rows (en_pg_run_entered) */
    json_t *events;         /* and their events as c.event, by id */
    char now[24];
};

/* One event of the batch while the journeys see it. */
struct event {
    struct intake *in;
    const char *id, *contact_id, *type, *at; /* at: Unix seconds */
    const char *tenant;                      /* the contact's; NULL: the contact is gone */
    int64_t contact;
    json_t *json;
    bool made_due; /* an enrollment of the contact is due now because of this event */
};

/* The first row of `res` whose bigint column 0 is `id` (rows sorted by it), or -1. */
static int
first_row(PGresult *res, int64_t id)
{
    int lo = 0, hi = PQntuples(res);
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (atoll(PQgetvalue(res, mid, 0)) < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < PQntuples(res) && atoll(PQgetvalue(res, lo, 0)) == id ? lo : -1;
}

/* The row of the contact's `journey` in `res` (by contact, journey in column 1), or -1. */
static int
journey_row(PGresult *res, int64_t contact, const char *journey)
{
    int i = first_row(res, contact);
    for (; i >= 0 && i < PQntuples(res) && atoll(PQgetvalue(res, i, 0)) == contact; i++)
        if (strcmp(PQgetvalue(res, i, 1), journey) == 0) return i;
    return -1;
}

/* The live enrollment of the contact in `journey`, as a row of in->live, or -1. */
static int
live_row(const struct event *ev, const char *journey)
{
    int i = journey_row(ev->in->live, ev->contact, journey);
    return i >= 0 && !ev->in->ended[i] ? i : -1;
}

/* A filter that fails is the journey's error: logged, and the event does not match. */
static bool
fires(const struct event *ev, const struct lh_journey_info *j, const char *which)
{
    char why[EN_REASON_MAX];
    bool match;
    if (en_trigger_match(ev->in->r->st, j, which, ev->json, &match, why, sizeof why) == 0)
        return match;
    en_notes_add(ev->in->notes, LOG_LVL_WARNING, LOG_MODULE, ev->id, "journey %s: %s filter: %s",
                 j->name, which, why);
    return false;
}

static int
oom(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    return -1;
}

static int
end_live(struct event *ev, int row, bool goal, char *err, size_t errlen)
{
    struct intake *in = ev->in;
    char reason[96];
    snprintf(reason, sizeof reason, "%s %s", goal ? "goal" : "on", ev->type);
    const char *id = PQgetvalue(in->live, row, L_ID);
    int seq = atoi(PQgetvalue(in->live, row, L_SEQ)) + 1;
    if (en_pg_row(&in->ends, "contact_id:s id:s status:s reason:s at:s seq:i", ev->contact_id, id,
                  goal ? "completed" : "exited", reason, in->now, seq) < 0 ||
        en_pg_step_row(&in->steps, ev->contact_id, id, seq, PQgetvalue(in->live, row, L_JOURNEY),
                       PQgetvalue(in->live, row, L_STEP), goal ? "goal" : "exit", reason,
                       false) < 0)
        return oom(err, errlen);
    in->ended[row] = true; /* a later event of the batch sees it ended */
    return 0;
}

/* The awaited event arrived: the matched step is due now, with this event. */
static int
match_wait(struct event *ev, int row, char *err, size_t errlen)
{
    if (en_pg_row(&ev->in->waits, "contact_id:s id:s event:s at:s", ev->contact_id,
                  PQgetvalue(ev->in->live, row, L_ID), ev->id, ev->in->now) < 0)
        return oom(err, errlen);
    ev->made_due = true;
    return 0;
}

/* The contact's past in `journey`: as read, unless an event of this batch ended it. */
static void
history(const struct event *ev, const char *journey, struct en_history *h)
{
    const struct intake *in = ev->in;
    int l = journey_row(in->live, ev->contact, journey);
    if (l >= 0 && in->ended[l]) {
        *h = (struct en_history){.active = false, .entered = true, .ended_at = in->r->now};
        return;
    }
    int i = journey_row(in->hist, ev->contact, journey);
    *h = (struct en_history){0};
    if (i < 0) return;
    h->active = PQgetvalue(in->hist, i, H_ACTIVE)[0] == 't';
    h->entered = PQgetvalue(in->hist, i, H_ENTERED)[0] == 't';
    h->ended_at = atoll(PQgetvalue(in->hist, i, H_ENDED));
}

/* The entry as a row of the claim's columns, its id reserved later (reserve_ids). */
static int
add_entered(struct intake *in, const struct event *ev, const char *journey, const char *tenant)
{
    static PGresAttDesc cols[] = {
        {"contact_id", 0, 0, 0, 0, -1, -1},    {"id", 0, 0, 0, 0, -1, -1},
        {"journey", 0, 0, 0, 0, -1, -1},       {"step", 0, 0, 0, 0, -1, -1},
        {"step_seq", 0, 0, 0, 0, -1, -1},      {"status", 0, 0, 0, 0, -1, -1},
        {"vars", 0, 0, 0, 0, -1, -1},          {"wait_event", 0, 0, 0, 0, -1, -1},
        {"trigger_event", 0, 0, 0, 0, -1, -1}, {"attempts", 0, 0, 0, 0, -1, -1},
        {"tenant", 0, 0, 0, 0, -1, -1}};
    const char *v[] = {ev->contact_id, "",   journey, "start", "0",   "active",
                       "{}",           NULL, ev->id,  "0",     tenant};
    if (!in->entered && (!(in->entered = PQmakeEmptyPGresult(in->r->conn, PGRES_TUPLES_OK)) ||
                         !PQsetResultAttrs(in->entered, (int)(sizeof cols / sizeof *cols), cols) ||
                         !(in->events = json_object())))
        return -1;
    if (json_object_set(in->events, ev->id, ev->json) < 0) return -1;
    int row = PQntuples(in->entered);
    for (int c = 0; c < (int)(sizeof v / sizeof *v); c++)
        if (!PQsetvalue(in->entered, row, c, (char *)v[c], v[c] ? (int)strlen(v[c]) : -1))
            return -1;
    return 0;
}

static int
enter(struct event *ev, const struct lh_journey_info *j, const char *tenant, char *err,
      size_t errlen)
{
    struct en_history h;
    history(ev, j->name, &h);
    if (!en_may_enter(j, tenant, &h, ev->in->r->now)) return 0;
    int rc = ev->in->run
                 ? add_entered(ev->in, ev, j->name, tenant)
                 : en_pg_row(&ev->in->enters, "contact_id:s journey:s tenant:s event:s at:s",
                             ev->contact_id, j->name, tenant, ev->id, ev->in->now);
    if (rc < 0) return oom(err, errlen);
    ev->made_due = true;
    return 0;
}

static int
journey_sees(struct event *ev, const struct lh_journey_info *j, const char *tenant, char *err,
             size_t errlen)
{
    int row = live_row(ev, j->name);
    if (row < 0) return fires(ev, j, "entry") ? enter(ev, j, tenant, err, errlen) : 0;
    /* the goal first: an event that is both (order.placed) is a conversion */
    if (fires(ev, j, "goal")) return end_live(ev, row, true, err, errlen);
    if (fires(ev, j, "exit")) return end_live(ev, row, false, err, errlen);
    PGresult *live = ev->in->live;
    bool parked = strcmp(PQgetvalue(live, row, L_STATUS), "parked") == 0;
    if (!parked && strcmp(PQgetvalue(live, row, L_WAIT), ev->type) == 0)
        return match_wait(ev, row, err, errlen);
    return 0;
}

static int
deliver(struct event *ev, char *err, size_t errlen)
{
    const struct en_pg_run *r = ev->in->r;
    const char *tenant = ev->tenant;
    if (!tenant) return 0; /* a deleted contact's events start nothing */
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->reg->njourneys; i++)
        rc = journey_sees(ev, &r->reg->journeys[i], tenant, err, errlen);
    return rc;
}

/* The contacts this batch made due (their later events wait for the next batch). */
struct due_set {
    int64_t *v;
    int *row; /* the event that made v[i] due, a row of the batch's read */
    int n;
};

/* An event's place in the intake's order: (xid, id). */
struct ev_pos {
    char xid[24], id[40];
};

/* <0, 0, >0 as (xid_a, id_a) sorts before, with or after (xid_b, id_b): xid8 as a number, the
 * uuid by its lower-case text, which sorts as PostgreSQL sorts uuids. */
static int
pos_cmp(const char *xid_a, const char *id_a, const char *xid_b, const char *id_b)
{
    unsigned long long a = strtoull(xid_a, NULL, 10), b = strtoull(xid_b, NULL, 10);
    return a != b ? (a < b ? -1 : 1) : strcmp(id_a, id_b);
}

static bool
is_due(const struct due_set *d, int64_t contact)
{
    for (int i = 0; i < d->n; i++)
        if (d->v[i] == contact) return true;
    return false;
}

/* 0 handled, 1 left for the next batch, -1 failed. */
static int
handle(struct intake *in, PGresult *evs, int i, struct due_set *due, char *err, size_t errlen)
{
    struct event ev = {.in = in,
                       .id = PQgetvalue(evs, i, E_ID),
                       .contact_id = PQgetvalue(evs, i, E_CONTACT),
                       .type = PQgetvalue(evs, i, E_TYPE),
                       .at = PQgetvalue(evs, i, E_AT),
                       .tenant =
                           PQgetisnull(evs, i, E_TENANT) ? NULL : PQgetvalue(evs, i, E_TENANT)};
    ev.contact = atoll(ev.contact_id);
    if (is_due(due, ev.contact)) return 1;
    if (is_marker(evs, i)) return 0; /* nothing fires on it, nothing waits for it */
    ev.json = en_pg_event_json(ev.type, ev.at, PQgetvalue(evs, i, E_DATA));
    if (!ev.json) {
        snprintf(err, errlen, "event %s: out of memory", ev.id);
        return -1;
    }
    int rc = deliver(&ev, err, errlen);
    json_decref(ev.json);
    if (rc == 0 && ev.made_due) due->v[due->n] = ev.contact, due->row[due->n++] = i;
    return rc;
}

/* ---- reading and writing the batch ---- */

static PGresult *
read_by_contacts(struct intake *in, const char *sql, const char *ids, char *err, size_t errlen)
{
    const char *p[] = {ids};
    return en_pg_query(in->r->conn, sql, 1, p, err, errlen);
}

/* The enrollments of each contact of $1 (`k.id`), probed by contact: written as a lateral
 * join so that the plan does not depend on the statistics of enrollments. Given `contact_id =
 * ANY($1)` the planner, counting the rows the intake itself just entered as a handful, scanned
 * the whole table or the whole enrollments_due index for every batch (15 ms a batch of 500 at
 * 30,000 enrollments, growing with the table) instead of 500 index probes (1-2 ms). */
#define BY_CONTACT "(SELECT DISTINCT unnest($1::bigint[]) AS id) k CROSS JOIN LATERAL"

/* The live enrollments and histories of the events' contacts (their tenants come with the
 * events, from the event read). */
static int
read_contacts(struct intake *in, PGresult *evs, char *err, size_t errlen)
{
    struct en_pg_array a = EN_PG_ARRAY_INIT;
    for (int i = 0; i < PQntuples(evs); i++)
        if (!is_marker(evs, i)) en_pg_array_add(&a, PQgetvalue(evs, i, E_CONTACT));
    const char *ids = en_pg_array_end(&a);
    int rc = ids ? 0 : oom(err, errlen);
    if (rc == 0 && !(in->live = read_by_contacts(
                         in,
                         "SELECT e.contact_id, e.journey, e.id, e.status,"
                         " coalesce(e.wait_event, ''), e.step, e.step_seq FROM " BY_CONTACT
                         " (SELECT * FROM enrollments WHERE contact_id = k.id AND " LIVE
                         " FOR UPDATE) e ORDER BY e.contact_id, e.id",
                         ids, err, errlen)))
        rc = -1;
    if (rc == 0 && !(in->hist = read_by_contacts(
                         in,
                         "SELECT k.id, h.journey, h.live, true, h.ended FROM " BY_CONTACT
                         " (SELECT journey, count(*) FILTER (WHERE " LIVE ") > 0 AS live,"
                         " coalesce(extract(epoch FROM max(ended_at))::bigint, 0) AS ended"
                         " FROM enrollments WHERE contact_id = k.id GROUP BY journey) h"
                         " ORDER BY k.id, h.journey",
                         ids, err, errlen)))
        rc = -1;
    if (rc == 0 && !(in->ended = calloc((size_t)PQntuples(in->live) + 1, sizeof *in->ended)))
        rc = oom(err, errlen);
    en_pg_array_free(&a);
    return rc;
}

/* Ids for the entries run in this transaction, from the identity of enrollments (its sequence
 * named as a constant: pg_get_serial_sequence() looked it up for every id, 4x the cost). */
static int
reserve_ids(struct intake *in, char *err, size_t errlen)
{
    char n[16];
    snprintf(n, sizeof n, "%d", PQntuples(in->entered));
    const char *p[] = {n};
    PGresult *ids = en_pg_query(
        in->r->conn, "SELECT nextval('enrollments_id_seq') FROM generate_series(1, $1::int)", 1, p,
        err, errlen);
    if (!ids) return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(ids); i++) {
        char *id = PQgetvalue(ids, i, 0);
        if (!PQsetvalue(in->entered, i, 1, id, (int)strlen(id))) rc = oom(err, errlen);
    }
    PQclear(ids);
    return rc;
}

/* Ends first: an entry after an exit in the same batch needs the live slot free; then the
 * entries, run at once or (without in->run) left due for the claim. */
static int
write_batch(struct intake *in, char *err, size_t errlen)
{
    static const char ends[] =
        "UPDATE enrollments e SET status = x.status, end_reason = x.reason,"
        " ended_at = to_timestamp(x.at), updated_at = now(), converted_at = CASE WHEN"
        " x.status = 'completed' THEN to_timestamp(x.at) END, wake_at = NULL, wait_event = NULL,"
        " wait_matched = NULL, step_seq = x.seq FROM jsonb_to_recordset($1::jsonb) AS"
        " x(contact_id bigint, id bigint, status text, reason text, at bigint, seq int)"
        " WHERE e.contact_id = x.contact_id AND e.id = x.id";
    static const char waits[] =
        "UPDATE enrollments e SET step = e.wait_matched, wait_event = NULL, wait_matched = NULL,"
        " status = 'active', wake_at = to_timestamp(x.at), trigger_event = x.event,"
        " updated_at = now() FROM jsonb_to_recordset($1::jsonb) AS x(contact_id bigint,"
        " id bigint, event uuid, at bigint)"
        " WHERE e.contact_id = x.contact_id AND e.id = x.id AND e.wait_event IS NOT NULL";
    static const char enters[] =
        "INSERT INTO enrollments (contact_id, journey, tenant, step, wake_at, trigger_event)"
        " SELECT contact_id, journey, tenant, 'start', to_timestamp(at), event"
        " FROM jsonb_to_recordset($1::jsonb) AS x(contact_id bigint, journey text, tenant text,"
        " event uuid, at bigint)";
    PGconn *c = in->r->conn;
    if (en_pg_rows_write(c, ends, &in->ends, err, errlen) < 0) return -1;
    if (en_pg_rows_write(c, waits, &in->waits, err, errlen) < 0) return -1;
    if (en_pg_rows_write(c, enters, &in->enters, err, errlen) < 0) return -1;
    if (en_pg_steps_write(c, &in->steps, err, errlen) < 0) return -1;
    if (!in->entered) return 0;
    if (reserve_ids(in, err, errlen) < 0) return -1;
    return en_pg_run_entered(in->r, in->entered, in->events, in->notes, err, errlen);
}

static void
intake_free(struct intake *in)
{
    PQclear(in->live), PQclear(in->hist), PQclear(in->entered);
    json_decref(in->events);
    free(in->ended);
    en_pg_rows_free(&in->ends), en_pg_rows_free(&in->waits);
    en_pg_rows_free(&in->enters), en_pg_rows_free(&in->steps);
}

/* The due set sorted by contact (passed_over looks each row's contact up). */
static void
due_sort(struct due_set *d)
{
    for (int i = 1; i < d->n; i++) /* insertion sort: a batch's due contacts come mostly in order */
        for (int j = i; j > 0 && d->v[j - 1] > d->v[j]; j--) {
            int64_t v = d->v[j];
            int row = d->row[j];
            d->v[j] = d->v[j - 1], d->row[j] = d->row[j - 1];
            d->v[j - 1] = v, d->row[j - 1] = row;
        }
}

/* The index of `contact` in the sorted due set, or -1. */
static int
due_index(const struct due_set *d, int64_t contact)
{
    int lo = 0, hi = d->n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (d->v[mid] < contact)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->n && d->v[lo] == contact ? lo : -1;
}

/*
 * An event the read passed over, which the batch made matter: an event of a contact the batch
 * made due, after the event that did it, up to where the cursor would move (the last event
 * handled, or the horizon). Relevance was judged before the batch ran: an entry whose first
 * step waits for order.placed makes the order.placed right behind it matter, though the read
 * left it out. 1 with its place in *at (the earliest), 0 when there is none, -1 on failure.
 * Such events of contacts of the batch's own read stop it already (handle()); this finds the
 * ones it never saw, among the events the read walked over.
 */
static int
passed_over(const struct en_pg_run *r, const struct en_pg_shard *sh, PGresult *evs, int done,
            bool to_horizon, struct due_set *due, struct ev_pos *at, char *err, size_t errlen)
{
    if (due->n == 0) return 0;
    due_sort(due);
    int first = due->row[0];
    for (int i = 1; i < due->n; i++)
        if (due->row[i] < first) first = due->row[i];
    bool all = to_horizon && done == PQntuples(evs);
    struct en_pg_array ids = EN_PG_ARRAY_INIT;
    for (int i = 0; i < due->n; i++) {
        char c[24];
        snprintf(c, sizeof c, "%lld", (long long)due->v[i]);
        en_pg_array_add(&ids, c);
    }
    const char *p[] = {PQgetvalue(evs, first, E_XID),
                       PQgetvalue(evs, first, E_ID),
                       sh->horizon,
                       all ? NULL : PQgetvalue(evs, done - 1, E_XID),
                       all ? NULL : PQgetvalue(evs, done - 1, E_ID),
                       en_pg_array_end(&ids)};
    /* The span the read walked, by the (xid, id) index as the read walks it (see read_batch:
     * the planner would otherwise read and sort whole partitions right after a bulk load). */
    PGresult *res = NULL;
    if (!p[5])
        snprintf(err, errlen, "out of memory");
    else if (db_exec(r->conn, "SET LOCAL enable_seqscan TO off; SET LOCAL enable_sort TO off", err,
                     errlen))
        res = en_pg_query(r->conn,
                          "SELECT xid::text, id::text, contact_id FROM events"
                          " WHERE (xid, id) > ($1::xid8, $2::uuid) AND xid < $3::xid8"
                          " AND ($4::xid8 IS NULL OR (xid, id) <= ($4::xid8, $5::uuid))"
                          " AND contact_id = ANY($6::bigint[]) ORDER BY xid, id",
                          6, p, err, errlen);
    en_pg_array_free(&ids);
    if (res && !db_exec(r->conn,
                        "SET LOCAL enable_seqscan TO DEFAULT; SET LOCAL enable_sort TO"
                        " DEFAULT",
                        err, errlen)) {
        PQclear(res);
        res = NULL;
    }
    if (!res) return -1;
    /* The first row after its contact's due event (each contact is due once in a batch). */
    int found = 0;
    for (int k = 0; !found && k < PQntuples(res); k++) {
        const char *x = PQgetvalue(res, k, 0), *id = PQgetvalue(res, k, 1);
        int i = due_index(due, atoll(PQgetvalue(res, k, 2)));
        if (i >= 0 && pos_cmp(x, id, PQgetvalue(evs, due->row[i], E_XID),
                              PQgetvalue(evs, due->row[i], E_ID)) > 0) {
            snprintf(at->xid, sizeof at->xid, "%s", x);
            snprintf(at->id, sizeof at->id, "%s", id);
            found = 1;
        }
    }
    PQclear(res);
    return found;
}

/* Whether event i of the read is at or after `stop` (NULL: nothing stops the batch). */
static bool
reached(PGresult *evs, int i, const struct ev_pos *stop)
{
    return stop &&
           pos_cmp(PQgetvalue(evs, i, E_XID), PQgetvalue(evs, i, E_ID), stop->xid, stop->id) >= 0;
}

/* The batch's outcome beside its events: how many were handled, and where a redo must stop. */
struct batch_out {
    int done;
    bool redo;        /* an event the read passed over matters (passed_over): take the batch */
    struct ev_pos at; /* in again, up to `at` only */
};

/* Handle the batch's events up to the first that waits for the next batch (or `stop`). 0 or
 * -1. */
static int
handle_batch(const struct en_pg_run *r, const struct en_pg_shard *sh, PGresult *evs,
             bool to_horizon, bool run, const struct ev_pos *stop, struct en_notes *notes,
             struct batch_out *out, char *err, size_t errlen)
{
    int n = PQntuples(evs), rc = 0;
    struct intake in = {.r = r, .run = run, .notes = notes};
    snprintf(in.now, sizeof in.now, "%lld", (long long)r->now);
    in.ends = in.waits = in.enters = in.steps = (struct en_pg_rows)EN_PG_ROWS_INIT;
    struct due_set due = {calloc((size_t)n + 1, sizeof *due.v),
                          calloc((size_t)n + 1, sizeof *due.row), 0};
    if (!due.v || !due.row) rc = oom(err, errlen);
    if (rc == 0 && n > 0) rc = read_contacts(&in, evs, err, errlen);
    int *done = &out->done;
    for (*done = 0; rc == 0 && *done < n && !reached(evs, *done, stop); ++*done)
        if ((rc = handle(&in, evs, *done, &due, err, errlen)) != 0) break;
    if (rc == 1) rc = 0; /* stopped before event `done` */
    if (rc == 0 && !stop) {
        int found = passed_over(r, sh, evs, *done, to_horizon, &due, &out->at, err, errlen);
        if (found < 0) rc = -1;
        out->redo = found == 1;
    }
    if (rc == 0 && !out->redo) rc = write_batch(&in, err, errlen);
    free(due.v);
    free(due.row);
    intake_free(&in);
    return rc;
}

/*
 * Past the last of the `n` events handled (a window's marker included); past
 * everything below the horizon when the read saw every event up to it
 * (`to_horizon`) and every one it returned was handled.
 */
static int
advance(const struct en_pg_run *r, const struct en_pg_shard *sh, PGresult *evs, int n,
        bool to_horizon, char *err, size_t errlen)
{
    if (to_horizon && n == PQntuples(evs))
        return en_pg_shard_advance(r->conn, sh, NULL, NULL, err, errlen);
    if (n == 0) return 0; /* nothing handled: the cursor stays */
    return en_pg_shard_advance(r->conn, sh, PQgetvalue(evs, n - 1, E_XID),
                               PQgetvalue(evs, n - 1, E_ID), err, errlen);
}

/*
 * The event types a journey's entry, exit or goal names, as a text[]
 * literal; an in_segment entry names segment.entered. Types are
 * lower-case dotted words (lua/lh_reg), so they need no quoting.
 */
static const char *
trigger_types(const struct lh_reg *reg, struct en_pg_array *a)
{
    for (size_t i = 0; i < reg->njourneys; i++) {
        const struct lh_journey_info *j = &reg->journeys[i];
        const struct lh_triggers *t[] = {&j->entry, &j->exit, &j->goal};
        for (size_t k = 0; k < 3; k++)
            for (size_t n = 0; n < t[k]->n; n++)
                en_pg_array_add(a, t[k]->v[n].kind == LH_TRIGGER_SEGMENT ? "segment.entered"
                                                                         : t[k]->v[n].name);
    }
    return en_pg_array_end(a);
}

/*
 * Only the events that can matter are read: a type some trigger names, or
 * one a live enrollment of the contact waits for (c:wait_for). The others
 * -- opens and clicks no journey reacts to, segment.entered of a segment
 * no journey enters on -- are passed over inside the query, so they cost
 * an index step each instead of a place in a batch. Skipping them is what
 * handling them would do: nothing fires, nothing waits for them. (Unless
 * the batch itself makes one matter -- see passed_over.)
 *
 * A read looks at most WINDOW events, of any shard, relevant or not: with
 * millions of irrelevant events in a row (a backlog after downtime, a big
 * segment refresh no journey enters on) an unbounded read would pass them
 * all in one statement, past statement_timeout on every try, and the
 * intake would never move. The window's last event always comes along
 * (window_end), handled when it is relevant, else as a marker: either
 * way the cursor moves no further than it, and the next batch goes on from
 * there.
 */
#define WINDOW 10000
#define RELEVANT                                                                                   \
    "(contact_id % $5::bigint = $6::bigint AND (type = ANY($4::text[]) OR EXISTS (SELECT 1"        \
    " FROM enrollments e WHERE e.contact_id = s.contact_id AND e.wait_event = s.type"              \
    " AND e." LIVE ")))"
/* $1 last_xid, $2 horizon, $3 limit, $4 trigger types, $5 shards, $6 shard, $7 WINDOW, $8 last_id
 * (the first range only). `order` is the range's index order. */
#define WINDOWED(range, order)                                                                     \
    "SELECT id, contact_id, type, extract(epoch FROM occurred_at)::bigint AS at, data::text, xid," \
    " (SELECT c.tenant FROM contacts c WHERE c.id = w.contact_id) AS tenant, relevant,"            \
    " rn = $7 AS window_end FROM"                                                                  \
    " (SELECT s.*, row_number() OVER (ORDER BY " order ") AS rn, " RELEVANT " AS relevant FROM"    \
    " (SELECT id, contact_id, type, occurred_at, data, xid FROM events WHERE " range               \
    " AND xid < $2::xid8 AND contact_id IS NOT NULL"                                               \
    " ORDER BY " order " LIMIT $7) s) w WHERE relevant OR rn = $7 ORDER BY " order " LIMIT $3"

/* Rows of `more` after those of `res` (same columns), or NULL. Both are cleared. */
static PGresult *
append_rows(PGresult *res, PGresult *more)
{
    PGresult *all = PQcopyResult(res, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
    int n = PQntuples(res);
    for (int i = 0; all && i < PQntuples(more); i++)
        for (int c = 0; c < PQnfields(more); c++)
            if (!PQsetvalue(all, n + i, c, PQgetisnull(more, i, c) ? NULL : PQgetvalue(more, i, c),
                            PQgetisnull(more, i, c) ? -1 : PQgetlength(more, i, c))) {
                PQclear(all);
                all = NULL;
                break;
            }
    PQclear(res);
    PQclear(more);
    return all;
}

/* Whether a read that returned `n` events saw every event of its range below the horizon. */
static bool
range_done(const struct en_pg_run *r, PGresult *evs, int n)
{
    return n < r->limit && !ends_window(evs, n);
}

/* The held shard's next events, or NULL with err; *to_horizon says whether they are all the
 * events up to the horizon. */
static PGresult *
read_batch(const struct en_pg_run *r, const struct en_pg_shard *sh, bool *to_horizon, char *err,
           size_t errlen)
{
    /* en_pg_shard_lock turned bitmap scans, sequential scans, sorts and parallel plans off
     * for this read. Right after a bulk load -- an import's events, a segment refresh's
     * segment.entered -- the statistics say a handful of rows, and for a long backlog they
     * say the window is a sizeable part of the table: either way the planner read every
     * event of the range and sorted them (0.2 s a batch at 100,000 events, 2-3 s at
     * 2,000,000) instead of walking the (xid, id) index to the window's end. Bitmap scans
     * stay off for the reads by contact that follow: with the enrollments the intake itself
     * just entered uncounted, the live-enrollment read fetched every due row by bitmap and
     * filtered them by contact (9 ms a batch of 500 at 27,000 due) instead of probing
     * enrollments_live per contact. JIT off for the whole batch: a statement the planner
     * costs above jit_above_cost (the history's lateral GROUP BY is estimated at 32,000 rows
     * for a batch of 500) spent 15-17 ms compiling expressions to run them over a few
     * hundred rows. */
    char limit[16], shard[16], shards[16], window[16];
    snprintf(limit, sizeof limit, "%d", r->limit);
    snprintf(shard, sizeof shard, "%d", sh->shard);
    snprintf(shards, sizeof shards, "%d", sh->shards);
    snprintf(window, sizeof window, "%d", WINDOW);
    struct en_pg_array types = EN_PG_ARRAY_INIT;
    const char *p[] = {sh->last_xid, sh->horizon, limit,  trigger_types(r->reg, &types),
                       shards,       shard,       window, sh->last_id};
    if (!p[3]) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* The rest of the cursor's transaction, then the later ones, as two ordered index ranges
     * read one after the other (the second only when the first ran out): for one (xid, id) >
     * (a, b) the planner counts only xid > a, expects no rows when every event shares the
     * cursor's xid (one import), and sorts them all instead; and as one UNION it sorted the
     * first range's whole window to merge it with the second. */
    PGresult *evs =
        en_pg_query(r->conn, WINDOWED("xid = $1::xid8 AND id > $8::uuid", "id"), 8, p, err, errlen);
    int n = evs ? PQntuples(evs) : 0;
    *to_horizon = false;
    if (evs && range_done(r, evs, n)) {
        snprintf(limit, sizeof limit, "%d", r->limit - n); /* p[2] */
        PGresult *later =
            en_pg_query(r->conn, WINDOWED("xid > $1::xid8", "xid, id"), 7, p, err, errlen);
        if (!later) {
            PQclear(evs);
            evs = NULL;
        } else {
            *to_horizon = range_done(r, later, PQntuples(later)) && PQntuples(later) < r->limit - n;
            if (!(evs = n ? append_rows(evs, later) : (PQclear(evs), later)))
                snprintf(err, errlen, "out of memory");
        }
    }
    en_pg_array_free(&types);
    if (evs && !db_exec(r->conn,
                        "SET LOCAL enable_seqscan TO DEFAULT; SET LOCAL enable_sort TO DEFAULT;"
                        " SET LOCAL max_parallel_workers_per_gather TO DEFAULT",
                        err, errlen)) {
        PQclear(evs);
        return NULL;
    }
    return evs;
}

/* One batch of a shard in one transaction, handled up to `stop` (NULL: as far as it goes): the
 * events handled (a full batch's worth when its window ended it), or -1 (sh->locked says
 * whether a shard was held). A batch that finds an event its read passed over and now matters
 * is rolled back and taken in again up to that event. */
static int
intake_once(const struct en_pg_run *r, struct en_pg_shard *sh, bool run, const struct ev_pos *stop,
            char *err, size_t errlen)
{
    if (en_pg_cmd(r->conn, "BEGIN", 0, NULL, err, errlen) < 0) return -1;
    int rc = en_pg_shard_lock(r->conn, sh, err, errlen);
    bool to_horizon = false;
    PGresult *evs = rc == 1 ? read_batch(r, sh, &to_horizon, err, errlen) : NULL;
    if (!evs) {
        en_pg_rollback(r->conn);
        return rc == 0 ? 0 : -1;
    }
    if (stop) to_horizon = false; /* the batch ends at `stop`, short of the horizon */
    struct batch_out out = {0};
    struct en_notes notes = EN_NOTES_INIT;
    rc = handle_batch(r, sh, evs, to_horizon, run, stop, &notes, &out, err, errlen);
    if (rc == 0 && out.redo) {
        PQclear(evs);
        en_notes_free(&notes);
        en_pg_rollback(r->conn);
        struct ev_pos at = out.at;
        sh->want = sh->shard;
        return intake_once(r, sh, run, &at, err, errlen);
    }
    if (rc == 0) rc = advance(r, sh, evs, out.done, to_horizon, err, errlen);
    /* A read its window (or its range) cut short may have more behind it at once: count it as a
     * full batch so that the caller reads on instead of waiting for its next round. A batch
     * that stopped at `stop` comes back short, so that the claims run the steps of the contacts
     * it made due before the next batch judges the event it stopped at. */
    bool cut = !stop && !to_horizon && out.done == PQntuples(evs);
    int done = out.done;
    PQclear(evs);
    if (rc == 0) rc = en_pg_commit(r->conn, err, errlen);
    if (rc < 0) en_pg_rollback(r->conn);
    if (rc == 0) en_notes_say(&notes); /* else the batch is taken in again and says them then */
    en_notes_free(&notes);
    return rc < 0 ? -1 : cut ? r->limit : done;
}

/* The entries' first steps run in the intake's transaction; when anything of that batch fails,
 * it is taken in again with its entries left due, and the claim runs them (one by one, parking
 * the one whose SQL fails, when their batch fails again). */
int
en_pg_intake(const struct en_pg_run *r, char *err, size_t errlen)
{
    int skip[EN_PG_SHARDS_MAX], nskip = 0, total = 0;
    while (nskip < EN_PG_SHARDS_MAX) {
        struct en_pg_shard sh = {.want = -1, .skip = skip, .nskip = nskip};
        int n = intake_once(r, &sh, true, NULL, err, errlen);
        if (n < 0 && sh.locked) {
            log_warn(NULL,
                     "an intake batch failed, taking it in again without running its entries: %s",
                     err);
            sh.want = sh.shard;
            n = intake_once(r, &sh, false, NULL, err, errlen);
        }
        if (n < 0) return -1;
        if (!sh.locked) break; /* every shard had its batch, or another engine holds it */
        total += n;
        skip[nskip++] = sh.shard;
        int swapped = sh.resharding ? en_pg_shard_swap(r->conn, err, errlen) : 0;
        if (swapped < 0) return -1;
        if (swapped) return total + 1; /* new shards: go round them again */
    }
    return total;
}
