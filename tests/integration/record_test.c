/*
 * record_test.c - spooled records applied to a real PostgreSQL
 *
 * Run by record.t, which starts a private migrated cluster, exports
 * TERN_DB_URL, and TERN_PG_STOP / TERN_PG_START to stop and restart it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "record.h"
#include "tap.h"

#define T0 1764000000000000LL /* 2025-11-24, microseconds */

static struct db_settings settings;
static PGconn *conn;
static char err[1024];

/* The first column of the first row of `sql`, "" when there is none. */
static const char *
q(const char *sql)
{
    static char out[8192];
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) diag("query failed: %s", PQerrorMessage(conn));
    snprintf(out, sizeof out, "%s",
             PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return out;
}

static long long
q_int(const char *sql)
{
    return strtoll(q(sql), NULL, 10);
}

static long long
new_contact(const char *email, const char *status)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO tern.contacts (email, status, attributes) VALUES ('%s', '%s',"
             " '{\"first_name\": \"X\"}') RETURNING id",
             email, status);
    return q_int(sql);
}

static long long
contact_id_of(const char *email)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT id FROM tern.contacts WHERE email = '%s'", email);
    return q_int(sql);
}

/* A batch under construction: encoded records with sequence numbers. */
struct batch {
    struct buf data[32];
    struct spool_rec recs[32];
    size_t n;
};

static void
add_raw(struct batch *b, const char *text)
{
    buf_puts(&b->data[b->n], text);
    b->n++;
}

static struct buf *
slot(struct batch *b)
{
    return &b->data[b->n++];
}

static const struct spool_rec *
recs(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        b->recs[i] = (struct spool_rec){100 + i, b->data[i].data, b->data[i].len};
    return b->recs;
}

static void
batch_free(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        buf_free(&b->data[i]);
    b->n = 0;
}

static int
apply(struct batch *b, size_t *skipped)
{
    int rc = rec_apply(conn, recs(b), b->n, skipped, err, sizeof err);
    if (rc < 0) diag("rec_apply: %s", err);
    return rc;
}

static struct rec_event
open_event(long long contact, const char *id)
{
    struct rec_event ev = {.contact_id = contact,
                           .type = "email.open",
                           .occurred_us = T0,
                           .source = "track",
                           .message_id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                           .data = "{\"link\": 3}",
                           .bot_class = "human",
                           .bot_reason = "no proxy",
                           .user_agent = "Mozilla/5.0",
                           .ip = "192.0.2.7",
                           .delay_ms = 4200};
    snprintf(ev.id, sizeof ev.id, "%s", id);
    return ev;
}

static void
event_is_applied_with_every_field(void)
{
    long long ann = new_contact("ann@example.com", "subscribed");
    struct batch b = {0};
    struct rec_event ev = open_event(ann, "11111111-1111-4111-8111-111111111111");
    size_t skipped = 9;
    ok(rec_encode_event(&ev, slot(&b), err, sizeof err) == 0 && apply(&b, &skipped) == 0,
       "an event record applies");
    is_int(skipped, 0, "nothing is skipped");
    is_str(q("SELECT concat_ws('|', contact_id = "
             "(SELECT id FROM tern.contacts WHERE email = "
             "'ann@example.com'), type, occurred_at = to_timestamp(1764000000), source, message_id,"
             " data->>'link', bot_class, bot_reason, user_agent, host(ip), delay_ms)"
             " FROM tern.events WHERE id = '11111111-1111-4111-8111-111111111111'"),
           "t|email.open|t|track|0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0|3|human|no proxy|Mozilla/5.0|"
           "192.0.2.7|4200",
           "the event row carries every field of the record");
    batch_free(&b);
}

static void
anonymous_event_has_no_contact(void)
{
    struct batch b = {0};
    struct rec_event ev = open_event(0, "11111111-1111-4111-8111-111111111112");
    size_t skipped;
    ok(rec_encode_event(&ev, slot(&b), err, sizeof err) == 0 && apply(&b, &skipped) == 0,
       "an anonymous event applies");
    is_str(q("SELECT contact_id IS NULL FROM tern.events"
             " WHERE id = '11111111-1111-4111-8111-111111111112'"),
           "t", "contact 0 is stored as no contact");
    batch_free(&b);
}

static struct rec_message
message(long long contact, const char *id)
{
    struct rec_message m = {.contact_id = contact,
                            .tenant = "default",
                            .recipient = "ann@example.com",
                            .recipients = 1,
                            .journey = "welcome",
                            .step = "start",
                            .template_name = "welcome-1",
                            .category = "marketing",
                            .subject = "Welcome",
                            .queue_id = "4Xk2p1",
                            .link_count = 7,
                            .sent_us = T0};
    snprintf(m.id, sizeof m.id, "%s", id);
    return m;
}

static void
message_is_applied_with_its_sent_event(void)
{
    long long ann = contact_id_of("ann@example.com");
    struct batch b = {0};
    struct rec_message m = message(ann, "22222222-2222-4222-8222-222222222222");
    size_t skipped;
    ok(rec_encode_message(&m, slot(&b), err, sizeof err) == 0 && apply(&b, &skipped) == 0,
       "a message record applies");
    is_str(q("SELECT concat_ws('|', recipient, journey, step, template, category, subject,"
             " queue_id, link_count) FROM tern.messages"
             " WHERE id = '22222222-2222-4222-8222-222222222222'"),
           "ann@example.com|welcome|start|welcome-1|marketing|Welcome|4Xk2p1|7",
           "the messages row carries the record's fields");
    char sent[37], sql[512];
    ok(rec_sent_event_id(m.id, m.recipient, sent) == 0,
       "the email.sent event id derives from the message id and recipient");
    snprintf(sql, sizeof sql,
             "SELECT concat_ws('|', type, message_id, data->>'template') FROM tern.events"
             " WHERE id = '%s'",
             sent);
    is_str(q(sql), "email.sent|22222222-2222-4222-8222-222222222222|welcome-1",
           "its email.sent event is recorded under that id");
    char again[37];
    rec_sent_event_id(m.id, m.recipient, again);
    is_str(again, sent, "the derived id is the same every time");
    batch_free(&b);
}

/* multi_recipient = split: the client resubmits each recipient of one
 * X-Tern-Message on its own, so two records share the id. */
static void
one_message_id_for_two_recipients_records_both(void)
{
    long long ann = contact_id_of("ann@example.com");
    long long eve = new_contact("eve@example.com", "subscribed");
    const char *id = "22222222-2222-4222-8222-222222222223";
    struct rec_message to_ann = message(ann, id), to_eve = message(eve, id);
    to_eve.recipient = "eve@example.com";
    struct batch b = {0};
    size_t skipped;
    ok(rec_encode_message(&to_ann, slot(&b), err, sizeof err) == 0 &&
           rec_encode_message(&to_eve, slot(&b), err, sizeof err) == 0 && apply(&b, &skipped) == 0,
       "two recipients' records of one message id apply");
    is_str(q("SELECT string_agg(m.recipient || ' ' || (m.contact_id = c.id), ',' ORDER BY"
             " m.recipient) FROM tern.messages m JOIN tern.contacts c ON c.email = m.recipient"
             " WHERE m.id = '22222222-2222-4222-8222-222222222223'"),
           "ann@example.com true,eve@example.com true",
           "each recipient has its own messages row, with its own contact");
    is_str(q("SELECT count(DISTINCT id) || ' ' || count(DISTINCT contact_id) FROM tern.events"
             " WHERE type = 'email.sent' AND message_id = '22222222-2222-4222-8222-222222222223'"),
           "2 2", "and its own email.sent event");
    ok(apply(&b, &skipped) == 0, "the same two records apply again");
    is_str(q("SELECT (SELECT count(*) FROM tern.messages WHERE id = "
             "'22222222-2222-4222-8222-222222222223') || ' ' || (SELECT count(*) FROM tern.events"
             " WHERE message_id = '22222222-2222-4222-8222-222222222223')"),
           "2 2", "a replay records neither recipient twice");
    batch_free(&b);
}

static struct rec_change
change(long long contact, const char *id)
{
    struct rec_change c = {.event = {.contact_id = contact,
                                     .occurred_us = T0 + 1000,
                                     .source = "track",
                                     .user_agent = "Mozilla/5.0",
                                     .ip = "198.51.100.4",
                                     .delay_ms = -1}};
    snprintf(c.event.id, sizeof c.event.id, "%s", id);
    return c;
}

typedef int (*change_encoder)(const struct rec_change *, struct buf *, char *, size_t);

/* Encode one change and apply it alone; true when it applied and nothing was skipped. */
static bool
apply_change(change_encoder encode, const struct rec_change *c)
{
    struct batch b = {0};
    size_t skipped = 9;
    bool ok = encode(c, slot(&b), err, sizeof err) == 0 && apply(&b, &skipped) == 0 && skipped == 0;
    batch_free(&b);
    return ok;
}

static void
unsubscribe_from_all_mail_sets_the_status(void)
{
    long long cy = new_contact("cy@example.com", "subscribed");
    struct rec_change c = change(cy, "33333333-3333-4333-8333-333333333333");
    ok(apply_change(rec_encode_unsubscribe, &c), "an unsubscribe from all mail applies");
    is_str(q("SELECT status FROM tern.contacts WHERE email = 'cy@example.com'"), "unsubscribed",
           "the contact is unsubscribed");
    is_str(q("SELECT type FROM tern.events WHERE id = '33333333-3333-4333-8333-333333333333'"),
           "email.unsubscribe", "the email.unsubscribe event is recorded");
}

static void
unsubscribe_from_one_list_adds_a_suppression(void)
{
    long long ann = contact_id_of("ann@example.com");
    struct rec_change c = change(ann, "33333333-3333-4333-8333-333333333334");
    c.list = "newsletter";
    ok(apply_change(rec_encode_unsubscribe, &c), "an unsubscribe from one list applies");
    is_str(q("SELECT concat_ws('|', email, tenant, scope, reason) FROM tern.suppressions"),
           "ann@example.com|default|newsletter|unsubscribe",
           "a suppression for that list holds the address");
    is_str(q("SELECT status FROM tern.contacts WHERE email = 'ann@example.com'"), "subscribed",
           "the contact stays subscribed to everything else");
}

static long long
unsubscribe_events_of(long long contact)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM tern.events WHERE type = 'email.unsubscribe'"
             " AND contact_id = %lld",
             contact);
    return q_int(sql);
}

static void
second_unsubscribe_from_a_list_records_nothing(void)
{
    long long ann = contact_id_of("ann@example.com");
    struct rec_change c = change(ann, "33333333-3333-4333-8333-333333333335");
    c.list = "newsletter";
    ok(apply_change(rec_encode_unsubscribe, &c), "a second unsubscribe from the list applies");
    is_int(unsubscribe_events_of(ann), 1, "but records no second email.unsubscribe event");
    is_int(q_int("SELECT count(*) FROM tern.suppressions WHERE scope = 'newsletter'"), 1,
           "and no second suppression");
}

static void
unsubscribes_for_one_scope_in_a_batch_record_one_event(void)
{
    long long di = new_contact("di@example.com", "subscribed");
    struct batch b = {0};
    struct rec_change c1 = change(di, "33333333-3333-4333-8333-333333333336");
    struct rec_change c2 = change(di, "33333333-3333-4333-8333-333333333337");
    rec_encode_unsubscribe(&c1, slot(&b), err, sizeof err);
    rec_encode_unsubscribe(&c2, slot(&b), err, sizeof err);
    size_t skipped = 9;
    ok(apply(&b, &skipped) == 0 && skipped == 0,
       "two unsubscribes from all mail in one batch apply");
    is_int(unsubscribe_events_of(di), 1, "as one email.unsubscribe event");
    batch_free(&b);
}

static struct rec_api_event
api_event(const char *id, const char *email, const char *idem_key, int64_t accepted_us)
{
    struct rec_api_event ev = {.tenant = "default",
                               .key_id = "0a1b2c3d",
                               .email = email,
                               .type = "order.placed",
                               .occurred_us = T0,
                               .idem_key = idem_key,
                               .source = "api",
                               .accepted_us = accepted_us};
    snprintf(ev.id, sizeof ev.id, "%s", id);
    return ev;
}

static void
api_events_with_one_idempotency_key_keep_the_first(void)
{
    struct batch b = {0};
    struct rec_api_event late =
        api_event("99999999-9999-4999-8999-999999999992", "ann@example.com", "order-9", T0 + 2);
    struct rec_api_event early =
        api_event("99999999-9999-4999-8999-999999999991", "ann@example.com", "order-9", T0 + 1);
    rec_encode_api_event(&late, slot(&b), err, sizeof err);
    rec_encode_api_event(&early, slot(&b), err, sizeof err);
    size_t skipped = 9;
    ok(apply(&b, &skipped) == 0 && skipped == 0, "two API events with one idempotency key apply");
    is_str(q("SELECT string_agg(id::text, ',') FROM tern.events WHERE type = 'order.placed'"),
           "99999999-9999-4999-8999-999999999991", "only the one accepted first is written");
    ok(apply(&b, &skipped) == 0 && skipped == 0, "replayed, they apply again");
    is_int(q_int("SELECT count(*) FROM tern.events WHERE type = 'order.placed'"), 1,
           "without a second event");
    batch_free(&b);
}

static void
api_event_for_an_unknown_contact_id_is_kept_aside(void)
{
    struct batch b = {0};
    struct rec_api_event ev = api_event("99999999-9999-4999-8999-999999999993", NULL, NULL, T0);
    ev.contact_id = 987654;
    rec_encode_api_event(&ev, slot(&b), err, sizeof err);
    size_t skipped = 9;
    ok(apply(&b, &skipped) == 0 && skipped == 0, "an API event for an unknown contact id applies");
    is_str(q("SELECT reason || ' ' || (item->>'contact_id') FROM tern.event_rejects"
             " WHERE id = '99999999-9999-4999-8999-999999999993'"),
           "no such contact in tenant default 987654", "kept in event_rejects with its reason");
    is_int(
        q_int("SELECT count(*) FROM tern.events WHERE id = '99999999-9999-4999-8999-999999999993'"),
        0, "and not as an event");
    batch_free(&b);
}

static void
confirm_subscribes_a_pending_contact_with_its_consent(void)
{
    long long bob = new_contact("bob@example.com", "pending");
    struct rec_change c = change(bob, "44444444-4444-4444-8444-444444444444");
    c.purpose = "newsletter";
    ok(apply_change(rec_encode_confirm, &c), "a confirmation applies");
    is_str(q("SELECT status FROM tern.contacts WHERE email = 'bob@example.com'"), "subscribed",
           "the pending contact is subscribed");
    is_str(q("SELECT concat_ws('|', purpose, status, source, host(ip), user_agent, event_id)"
             " FROM tern.consents"),
           "newsletter|granted|double-opt-in|198.51.100.4|Mozilla/5.0|"
           "44444444-4444-4444-8444-444444444444",
           "a consent row proves it, keyed by the event id");
    is_str(q("SELECT type FROM tern.events WHERE id = '44444444-4444-4444-8444-444444444444'"),
           "contact.confirmed", "the contact.confirmed event is recorded");
}

static void
preferences_merge_into_attributes_in_order(void)
{
    long long ann = contact_id_of("ann@example.com");
    struct batch b = {0};
    struct rec_change c1 = change(ann, "55555555-5555-4555-8555-555555555551");
    c1.attrs = "{\"frequency\": \"weekly\", \"topics\": [\"prints\"]}";
    struct rec_change c2 = change(ann, "55555555-5555-4555-8555-555555555552");
    c2.attrs = "{\"frequency\": \"monthly\"}";
    size_t skipped;
    ok(rec_encode_preferences(&c1, slot(&b), err, sizeof err) == 0 &&
           rec_encode_preferences(&c2, slot(&b), err, sizeof err) == 0 && apply(&b, &skipped) == 0,
       "two preference changes of one contact apply in one batch");
    is_str(q("SELECT concat_ws('|', attributes->>'first_name', attributes->>'frequency',"
             " attributes->'topics') FROM tern.contacts WHERE email = 'ann@example.com'"),
           "X|monthly|[\"prints\"]",
           "they merge into the attributes, the later one winning, the rest kept");
    is_int(q_int("SELECT count(*) FROM tern.events WHERE type = 'preferences.updated'"), 2,
           "each records a preferences.updated event");
    batch_free(&b);
}

/* Everything a replay could change, as one digest. */
static char *
snapshot(void)
{
    return strdup(q("SELECT md5(concat("
                    " (SELECT string_agg(e::text, ',' ORDER BY e.id, e.occurred_at) FROM"
                    "   (SELECT id, occurred_at, type, contact_id, data, recorded_at, xid"
                    "    FROM tern.events) e),"
                    " (SELECT string_agg(m::text, ',' ORDER BY m.id) FROM tern.messages m),"
                    " (SELECT string_agg(c::text, ',' ORDER BY c.id) FROM tern.contacts c),"
                    " (SELECT string_agg(k::text, ',' ORDER BY k.id) FROM tern.consents k),"
                    " (SELECT string_agg(s::text, ',' ORDER BY s.id) FROM tern.suppressions s)))"));
}

static void
mixed_batch(struct batch *b, long long dee)
{
    struct rec_event ev = open_event(dee, "66666666-6666-4666-8666-666666666661");
    struct rec_message m = message(dee, "66666666-6666-4666-8666-666666666662");
    struct rec_change conf = change(dee, "66666666-6666-4666-8666-666666666663");
    struct rec_change pref = change(dee, "66666666-6666-4666-8666-666666666664");
    pref.attrs = "{\"pause\": true}";
    struct rec_change unsub = change(dee, "66666666-6666-4666-8666-666666666665");
    unsub.list = "offers";
    rec_encode_event(&ev, slot(b), err, sizeof err);
    rec_encode_message(&m, slot(b), err, sizeof err);
    rec_encode_confirm(&conf, slot(b), err, sizeof err);
    rec_encode_preferences(&pref, slot(b), err, sizeof err);
    rec_encode_unsubscribe(&unsub, slot(b), err, sizeof err);
}

static void
applying_the_same_batch_twice_changes_nothing(void)
{
    long long dee = new_contact("dee@example.com", "pending");
    struct batch b = {0};
    mixed_batch(&b, dee);
    size_t skipped = 9;
    ok(apply(&b, &skipped) == 0 && skipped == 0, "a batch of every kind applies");
    char *before = snapshot();
    ok(apply(&b, &skipped) == 0 && skipped == 0, "the same batch applies again without an error");
    char *after = snapshot();
    is_str(after, before, "the second time changes nothing in any table");
    free(before);
    free(after);
    batch_free(&b);
}

static void
replayed_unsubscribe_does_not_undo_a_later_subscribe(void)
{
    long long cy = contact_id_of("cy@example.com");
    struct batch b = {0};
    struct rec_change c = change(cy, "33333333-3333-4333-8333-333333333333"); /* applied before */
    rec_encode_unsubscribe(&c, slot(&b), err, sizeof err);
    q("UPDATE tern.contacts SET status = 'subscribed' WHERE email = 'cy@example.com' RETURNING 1");
    size_t skipped;
    ok(apply(&b, &skipped) == 0, "an old unsubscribe is replayed");
    is_str(q("SELECT status FROM tern.contacts WHERE email = 'cy@example.com'"), "subscribed",
           "the contact who subscribed again since stays subscribed");
    batch_free(&b);
}

/* Event-only batches go in by COPY; a replay collides on the key and is applied the other way. */
static void
replayed_event_batch_adds_only_the_new_events(void)
{
    long long ann = contact_id_of("ann@example.com");
    static const char *const ids[] = {
        "aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002",
        "aaaaaaaa-0000-4000-8000-000000000003", "aaaaaaaa-0000-4000-8000-000000000004"};
    struct batch b = {0};
    for (int i = 0; i < 3; i++) {
        struct rec_event ev = open_event(ann, ids[i]);
        rec_encode_event(&ev, slot(&b), err, sizeof err);
    }
    size_t skipped = 9;
    ok(apply(&b, &skipped) == 0 && skipped == 0, "a batch of events applies");
    struct rec_event ev = open_event(ann, ids[3]);
    rec_encode_event(&ev, slot(&b), err, sizeof err);
    ok(apply(&b, &skipped) == 0 && skipped == 0,
       "the same events again with a new one apply without an error");
    is_int(q_int("SELECT count(*) FROM tern.events WHERE id::text LIKE 'aaaaaaaa-%'"), 4,
           "each event is stored once");
    batch_free(&b);
}

/* Escapes in the spooled JSON arrive in PostgreSQL as the text they stand for. */
static void
escaped_text_arrives_as_it_was_sent(void)
{
    struct batch b = {0};
    struct rec_event ev = open_event(0, "aaaaaaaa-0000-4000-8000-000000000005");
    ev.user_agent = "tab\there\nnew \"quoted\" back\\slash caf\xc3\xa9 \xf0\x9f\x98\x80";
    ev.data = "{\"url\": \"a\\\\b\\tc\", \"n\": [1, {\"x\": \"}\"}]}";
    rec_encode_event(&ev, slot(&b), err, sizeof err);
    add_raw(&b, "{\"kind\":\"event\",\"id\":\"aaaaaaaa-0000-4000-8000-000000000006\","
                "\"type\":\"email.open\",\"occurred_us\":1764000000000000,"
                "\"user_agent\":\"caf\\u00e9 \\ud83d\\ude00 \\/ \\b\\f\\r\"}");
    size_t skipped = 9;
    ok(apply(&b, &skipped) == 0 && skipped == 0, "events with escaped text apply");
    is_str(q("SELECT user_agent = E'tab\\there\\nnew \"quoted\" back\\\\slash caf\\u00e9 "
             "\\U0001F600' AND data = '{\"url\": \"a\\\\b\\tc\", \"n\": [1, {\"x\": \"}\"}]}'"
             " FROM tern.events WHERE id = 'aaaaaaaa-0000-4000-8000-000000000005'"),
           "t", "the user agent and the data are stored as they were given");
    is_str(q("SELECT user_agent = E'caf\\u00e9 \\U0001F600 / \\b\\f\\r' AND source = 'api'"
             " AND data = '{}' AND contact_id IS NULL"
             " FROM tern.events WHERE id = 'aaaaaaaa-0000-4000-8000-000000000006'"),
           "t", "\\u escapes are decoded, and absent fields take their defaults");
    batch_free(&b);
}

/* A record of a shape the COPY path does not know (a newer build's key) still applies. */
static void
event_with_an_unknown_key_still_applies(void)
{
    struct batch b = {0};
    add_raw(&b, "{\"kind\":\"event\",\"id\":\"aaaaaaaa-0000-4000-8000-000000000007\","
                "\"type\":\"email.open\",\"occurred_us\":1764000000000000,\"future\":1}");
    struct rec_event ev = open_event(0, "aaaaaaaa-0000-4000-8000-000000000008");
    rec_encode_event(&ev, slot(&b), err, sizeof err);
    size_t skipped = 9;
    ok(apply(&b, &skipped) == 0 && skipped == 0,
       "a batch with a key this build does not know applies");
    is_int(
        q_int("SELECT count(*) FROM tern.events WHERE id IN"
              " ('aaaaaaaa-0000-4000-8000-000000000007', 'aaaaaaaa-0000-4000-8000-000000000008')"),
        2, "both events are stored");
    batch_free(&b);
}

static void
bad_records_are_skipped_and_counted_while_the_rest_apply(void)
{
    long long ann = contact_id_of("ann@example.com");
    struct batch b = {0};
    struct rec_event good1 = open_event(ann, "77777777-7777-4777-8777-777777777771");
    struct rec_event refused = open_event(ann, "77777777-7777-4777-8777-777777777772");
    refused.ip = "999.1.2.3"; /* PostgreSQL's inet refuses it */
    struct rec_event good2 = open_event(ann, "77777777-7777-4777-8777-777777777773");
    rec_encode_event(&good1, slot(&b), err, sizeof err);
    rec_encode_event(&refused, slot(&b), err, sizeof err);
    add_raw(&b, "{\"kind\": \"event\", \"id\": "); /* torn JSON */
    add_raw(&b, "{\"kind\": \"teleport\"}");       /* a kind this build does not know */
    rec_encode_event(&good2, slot(&b), err, sizeof err);
    size_t skipped = 0;
    ok(apply(&b, &skipped) == 0, "a batch with bad records still applies");
    is_int(skipped, 3,
           "the refused, the undecodable and the unknown record are counted as skipped");
    is_int(
        q_int("SELECT count(*) FROM tern.events WHERE id IN"
              " ('77777777-7777-4777-8777-777777777771', '77777777-7777-4777-8777-777777777773')"),
        2, "the good records around them are applied");
    is_int(q_int("SELECT count(*) FROM tern.events"
                 " WHERE id = '77777777-7777-4777-8777-777777777772'"),
           0, "the refused one is not");
    is_str(q("SELECT string_agg(coalesce(kind, '-') || ': ' || reason, ' | ' ORDER BY id)"
             " FROM tern.record_rejects"),
           "-: not valid JSON | -: unknown kind (written by a newer tern?) | event: PostgreSQL"
           " refused it: ERROR:  invalid input syntax for type inet: \"999.1.2.3\"",
           "all three are kept in tern.record_rejects with their kind and reason");
    is_str(q("SELECT convert_from(record, 'UTF8') FROM tern.record_rejects"
             " WHERE reason = 'not valid JSON'"),
           "{\"kind\": \"event\", \"id\": ", "each exactly as it was spooled");
    ok(apply(&b, &skipped) == 0 && skipped == 3, "the same batch applies again");
    is_int(q_int("SELECT count(*) FROM tern.record_rejects"), 3, "and keeps each record once");
    batch_free(&b);
}

/* PostgreSQL's reason, cut to fit a buffer, must still be text it takes back. */
static void
refused_record_with_a_long_non_ascii_reason_is_kept(void)
{
    long long ann = contact_id_of("ann@example.com");
    struct rec_event ev = open_event(ann, "77777777-7777-4777-8777-777777777775");
    char ip[1 + 2 * 300 + 1] = "a"; /* the cut lands inside a two-byte character */
    for (int i = 0; i < 300; i++)
        memcpy(ip + 1 + 2 * i, "\xc3\xa9", 2);
    ip[sizeof ip - 1] = '\0';
    ev.ip = ip;
    struct batch b = {0};
    rec_encode_event(&ev, slot(&b), err, sizeof err);
    size_t skipped = 0;
    ok(apply(&b, &skipped) == 0 && skipped == 1,
       "a record refused with a reason longer than the buffer is set aside, not retried forever");
    like(q("SELECT reason FROM tern.record_rejects WHERE convert_from(record, 'UTF8') LIKE"
           " '%777777777775%'"),
         "invalid input syntax for type inet", "and kept with the reason");
    batch_free(&b);
}

/* Nothing of the batch can be applied: what it set aside is still kept. */
static void
batch_of_unreadable_records_keeps_them(void)
{
    struct batch b = {0};
    add_raw(&b, "[\"not an object\"]");
    size_t skipped = 0;
    ok(apply(&b, &skipped) == 0 && skipped == 1, "a batch of one unreadable record applies");
    is_str(q("SELECT reason FROM tern.record_rejects WHERE record = '[\"not an object\"]'"),
           "not a JSON object", "and the record is kept with its reason");
    batch_free(&b);
}

static void
value_too_large_to_index_is_skipped_not_retried(void)
{
    long long ann = contact_id_of("ann@example.com");
    struct rec_change c = change(ann, "77777777-7777-4777-8777-777777777774");
    char *list = malloc(9001);
    unsigned x = 12345;
    for (int i = 0; list && i < 9000; i++) {
        x = x * 1103515245u + 12345u; /* incompressible, so the index entry stays large */
        list[i] = "0123456789abcdef"[(x >> 16) & 15];
    }
    if (list) list[9000] = '\0';
    c.list = list;
    struct batch b = {0};
    rec_encode_unsubscribe(&c, slot(&b), err, sizeof err);
    size_t skipped = 0;
    ok(apply(&b, &skipped) == 0 && skipped == 1,
       "an unsubscribe from a list name too large to index is skipped, not retried forever");
    like(q("SELECT kind || ': ' || reason FROM tern.record_rejects WHERE kind = 'unsubscribe'"),
         "unsubscribe: PostgreSQL refused it: ERROR:  index row requires",
         "it is kept in tern.record_rejects, with the reason");
    free(list);
    batch_free(&b);
}

static void
encoders_refuse_what_would_never_apply(void)
{
    struct buf out = BUF_INIT;
    struct rec_event ev = open_event(1, "");
    ev.type = "Opened";
    ok(rec_encode_event(&ev, &out, err, sizeof err) < 0,
       "an event type that is not dotted is refused");
    like(err, "event type", "the error says it is the type");
    ev = open_event(1, "not-a-uuid");
    ok(rec_encode_event(&ev, &out, err, sizeof err) < 0,
       "an event id that is not a UUID is refused");
    ev = open_event(1, "");
    ev.data = "[1, 2]";
    ok(rec_encode_event(&ev, &out, err, sizeof err) < 0,
       "event data that is not an object is refused");
    like(err, "data must be a JSON object", "the error says why");
    ev = open_event(1, "");
    const char *id = rec_encode_event(&ev, &out, err, sizeof err) == 0
                         ? strstr(buf_str(&out), "\"id\":\"")
                         : NULL;
    ok(id && strlen(id) > 43 && id[14] == '-' && id[19] == '-' && id[20] == '4' && id[42] == '"',
       "an empty id gets a generated version 4 UUID");
    struct rec_change c = change(0, "");
    c.attrs = "{}";
    ok(rec_encode_preferences(&c, &out, err, sizeof err) < 0,
       "a change without a contact is refused");
    buf_free(&out);
}

static void
stopped_postgresql_is_a_retry_and_applies_nothing(void)
{
    long long ann = contact_id_of("ann@example.com");
    struct batch b = {0};
    struct rec_event ev = open_event(ann, "88888888-8888-4888-8888-888888888881");
    struct rec_change c = change(ann, "88888888-8888-4888-8888-888888888882");
    c.attrs = "{\"stopped\": true}";
    rec_encode_event(&ev, slot(&b), err, sizeof err);
    rec_encode_preferences(&c, slot(&b), err, sizeof err);
    ok(system(getenv("TERN_PG_STOP")) == 0, "PostgreSQL is stopped");
    size_t skipped = 9;
    int rc = rec_apply(conn, recs(&b), b.n, &skipped, err, sizeof err);
    is_int(rc, -1, "applying fails as retryable");
    like(err, "cannot apply 2 spooled records: ", "the error says what could not be done and why");
    is_int(skipped, 0, "no record is skipped for it");
    ok(system(getenv("TERN_PG_START")) == 0, "PostgreSQL is started again");
    PQfinish(conn);
    conn = db_connect(&settings, err, sizeof err);
    is_int(q_int("SELECT count(*) FROM tern.events WHERE id::text LIKE '88888888-%'"), 0,
           "nothing of the batch was applied");
    is_str(q("SELECT attributes ? 'stopped' FROM tern.contacts WHERE email = 'ann@example.com'"),
           "f", "not even its change");
    batch_free(&b);
}

int
main(void)
{
    settings.url = getenv("TERN_DB_URL");
    if (!settings.url || !getenv("TERN_PG_STOP") || !getenv("TERN_PG_START")) {
        printf("1..0 # SKIP needs TERN_DB_URL, TERN_PG_STOP and TERN_PG_START (record.t)\n");
        return 0;
    }
    conn = db_connect(&settings, err, sizeof err);
    if (!conn) {
        printf("Bail out! %s\n", err);
        return 1;
    }
    event_is_applied_with_every_field();
    anonymous_event_has_no_contact();
    message_is_applied_with_its_sent_event();
    one_message_id_for_two_recipients_records_both();
    unsubscribe_from_all_mail_sets_the_status();
    unsubscribe_from_one_list_adds_a_suppression();
    second_unsubscribe_from_a_list_records_nothing();
    unsubscribes_for_one_scope_in_a_batch_record_one_event();
    api_events_with_one_idempotency_key_keep_the_first();
    api_event_for_an_unknown_contact_id_is_kept_aside();
    confirm_subscribes_a_pending_contact_with_its_consent();
    preferences_merge_into_attributes_in_order();
    applying_the_same_batch_twice_changes_nothing();
    replayed_unsubscribe_does_not_undo_a_later_subscribe();
    replayed_event_batch_adds_only_the_new_events();
    escaped_text_arrives_as_it_was_sent();
    event_with_an_unknown_key_still_applies();
    bad_records_are_skipped_and_counted_while_the_rest_apply();
    batch_of_unreadable_records_keeps_them();
    refused_record_with_a_long_non_ascii_reason_is_kept();
    value_too_large_to_index_is_skipped_not_retried();
    encoders_refuse_what_would_never_apply();
    stopped_postgresql_is_a_retry_and_applies_nothing();
    PQfinish(conn);
    return tap_done();
}
