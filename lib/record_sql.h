/*
 * record_sql.h - the statements that apply a batch of records; lib/record*.c only
 *
 * Owns: one statement per kind. Each takes the batch's rows of that kind as
 * one JSON array ($1) and unpacks it with jsonb_to_recordset, so a batch
 * of any size is one round trip per kind. Replays are no-ops: events
 * collide on (id, occurred_at), messages on (id, recipient), and every state change of
 * a kind carrying an event (unsubscribe, confirm, preferences) applies only
 * for the rows whose event was new, so a change repeated after a crash
 * cannot undo what happened since (a contact who subscribed again stays
 * subscribed when an old unsubscribe replays).
 */
#ifndef TERN_RECORD_SQL_H
#define TERN_RECORD_SQL_H

#define EVENT_COLS                                                                                 \
    "id uuid, contact_id bigint, type text, occurred_at timestamptz, source text,"                 \
    " message_id uuid, journey text, step text, data jsonb, bot_class text, bot_reason text,"      \
    " user_agent text, ip inet, delay_ms bigint"

#define INSERT_EVENTS_FROM_R                                                                       \
    "INSERT INTO tern.events (id, contact_id, type, occurred_at, source, message_id, journey,"     \
    " step, data, bot_class, bot_reason, user_agent, ip, delay_ms)"                                \
    " SELECT id, contact_id, type, occurred_at, coalesce(source, 'api'), message_id, journey,"     \
    " step, coalesce(data, '{}'), bot_class, bot_reason, user_agent, ip, delay_ms FROM r"          \
    " ON CONFLICT DO NOTHING"

/* The batch's rows of a change kind: its event's columns plus `extra`. */
#define CHANGE_ROWS(extra)                                                                         \
    "SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(" EVENT_COLS ", " extra ")"

/* The rows of r (defined by `with_r`) whose event this statement inserted (not seen before). */
#define FRESH_OF(with_r)                                                                           \
    with_r ", ins AS (" INSERT_EVENTS_FROM_R " RETURNING id, occurred_at),"                        \
           " fresh AS (SELECT r.* FROM r JOIN ins USING (id, occurred_at))"

#define FRESH_CHANGES(extra) FRESH_OF("WITH r AS (" CHANGE_ROWS(extra) ")")

/* The fast path for event records (record_copy.c): no conflict handling, so
 * a replayed batch fails on the primary key and is applied again by SQL_EVENTS. */
#define SQL_COPY_EVENTS "COPY tern.events (" REC_COPY_COLUMNS ") FROM STDIN"

#define SQL_EVENTS                                                                                 \
    "WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(" EVENT_COLS "))"                 \
    " " INSERT_EVENTS_FROM_R

#define SQL_MESSAGES                                                                               \
    "WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, event_id uuid,"          \
    " contact_id bigint, tenant text, recipient text, recipients int, journey text, step text,"    \
    " enrollment_id bigint, template text, category text, subject text, queue_id text,"            \
    " link_count int, sent_at timestamptz)),"                                                      \
    " m AS (INSERT INTO tern.messages (id, contact_id, tenant, recipient, recipients, journey,"    \
    " step, enrollment_id, template, category, subject, queue_id, link_count, sent_at)"            \
    " SELECT id, contact_id, coalesce(tenant, 'default'), recipient, coalesce(recipients, 1),"     \
    " journey, step, enrollment_id, template, coalesce(category, 'marketing'), subject,"           \
    " queue_id, coalesce(link_count, 0), sent_at FROM r ON CONFLICT (id, recipient) DO NOTHING"    \
    " RETURNING id, recipient)"                                                                    \
    " INSERT INTO tern.events (id, contact_id, type, occurred_at, source, message_id, journey,"    \
    " step, data)"                                                                                 \
    " SELECT r.event_id, r.contact_id, 'email.sent', r.sent_at, 'milter', r.id, r.journey,"        \
    " r.step, jsonb_strip_nulls(jsonb_build_object('template', r.template, 'category',"            \
    " coalesce(r.category, 'marketing'), 'queue_id', r.queue_id, 'recipients', r.recipients))"     \
    " FROM r JOIN m USING (id, recipient) ON CONFLICT DO NOTHING"

/* A record set aside ($1 kind or NULL, $2 reason, $3 the spooled bytes); once per record. */
#define SQL_KEEP_REJECT                                                                            \
    "INSERT INTO tern.record_rejects (kind, reason, record) VALUES ($1, $2, $3)"                   \
    " ON CONFLICT ON CONSTRAINT record_rejects_once DO NOTHING"

/* Unsubscribing is idempotent: a request for what the contact already left
 * (status unsubscribed for all mail; a suppression of the list, in its
 * tenant or everywhere) records nothing, and of several requests for one
 * contact and list in a batch only the first is kept. */
#define UNSUBSCRIBE_ROWS                                                                           \
    "WITH asked AS (" CHANGE_ROWS(                                                                 \
        "list text") "),"                                                                          \
                     " r AS (SELECT DISTINCT ON (a.contact_id, coalesce(a.list, '')) a.* FROM "    \
                     "asked a"                                                                     \
                     " LEFT JOIN tern.contacts c ON c.id = a.contact_id"                           \
                     " WHERE NOT CASE WHEN a.list IS NULL THEN coalesce(c.status = "               \
                     "'unsubscribed', false)"                                                      \
                     " ELSE EXISTS (SELECT 1 FROM tern.suppressions s WHERE lower(s.email) = "     \
                     "lower(c.email)"                                                              \
                     " AND (s.tenant IS NULL OR s.tenant = c.tenant) AND s.scope = a.list) END"    \
                     " ORDER BY a.contact_id, coalesce(a.list, ''), a.occurred_at, a.id)"

/* All mail: the contact's status. One list or category: a suppression of
 * the contact's address in its tenant. */
#define SQL_UNSUBSCRIBE                                                                            \
    FRESH_OF(UNSUBSCRIBE_ROWS)                                                                     \
    ", everything AS (UPDATE tern.contacts c SET status = 'unsubscribed',"                         \
    " status_changed_at = f.occurred_at, updated_at = now() FROM fresh f"                          \
    " WHERE c.id = f.contact_id AND f.list IS NULL AND c.status IN ('subscribed', 'pending'))"     \
    " INSERT INTO tern.suppressions (email, tenant, contact_id, scope, reason, source, "           \
    "created_at)"                                                                                  \
    " SELECT c.email, c.tenant, c.id, f.list, 'unsubscribe', f.source, f.occurred_at"              \
    " FROM fresh f JOIN tern.contacts c ON c.id = f.contact_id WHERE f.list IS NOT NULL"           \
    " ON CONFLICT DO NOTHING"

/* The consent is the proof of the opt-in; it is keyed by the event id. */
#define SQL_CONFIRM                                                                                \
    FRESH_CHANGES("purpose text")                                                                  \
    ", subscribed AS (UPDATE tern.contacts c SET status = 'subscribed',"                           \
    " status_changed_at = f.occurred_at, updated_at = now() FROM fresh f"                          \
    " WHERE c.id = f.contact_id AND c.status = 'pending')"                                         \
    " INSERT INTO tern.consents (contact_id, purpose, status, source, ip, user_agent,"             \
    " occurred_at, event_id)"                                                                      \
    " SELECT f.contact_id, coalesce(f.purpose, 'marketing'), 'granted', 'double-opt-in', f.ip,"    \
    " f.user_agent, f.occurred_at, f.id FROM fresh f"                                              \
    " WHERE EXISTS (SELECT 1 FROM tern.contacts c WHERE c.id = f.contact_id)"                      \
    " ON CONFLICT DO NOTHING"

/* At most one row per contact per statement (record_apply.c sends rounds):
 * an UPDATE joining two rows to one contact would apply only one of them. */
#define SQL_PREFERENCES                                                                            \
    FRESH_CHANGES("attrs jsonb")                                                                   \
    " UPDATE tern.contacts c SET attributes = c.attributes || f.attrs, updated_at = now()"         \
    " FROM fresh f WHERE c.id = f.contact_id"

/* Events from outside (api_event). Two statements, so the second one sees
 * the contacts the first made: an unknown address becomes a `pending`
 * contact of the tenant (transactional mail may go to it, marketing waits
 * for consent). Then each event is placed: its contact by id or by address
 * within its tenant; an idempotency key claimed per tenant, the first
 * event holding it (in acceptance order) being the one written; a contact
 * id the tenant does not have set aside in event_rejects. The statement
 * returns the set-aside events (id, reason) for the log. Replays change
 * nothing: the claim, the reject and the event are all keyed by the id. */
#define API_COLS                                                                                   \
    "id uuid, tenant text, key_id text, email text, contact_id bigint, type text,"                 \
    " occurred_at timestamptz, source text, data jsonb, idempotency_key text,"                     \
    " accepted_at timestamptz"

#define SQL_API_CONTACTS                                                                           \
    "INSERT INTO tern.contacts (tenant, email, status)"                                            \
    " SELECT DISTINCT ON (r.tenant, lower(r.email)) r.tenant, r.email, 'pending'"                  \
    " FROM jsonb_to_recordset($1::jsonb) AS r(tenant text, email text)"                            \
    " WHERE r.email IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tern.contacts c"                     \
    " WHERE c.tenant = r.tenant AND lower(c.email) = lower(r.email))"                              \
    " ORDER BY r.tenant, lower(r.email) ON CONFLICT DO NOTHING"

#define SQL_API_EVENTS                                                                             \
    "WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(" API_COLS ")),"                  \
    " placed AS (SELECT r.*, CASE WHEN r.contact_id IS NOT NULL"                                   \
    " THEN (SELECT c.id FROM tern.contacts c WHERE c.id = r.contact_id AND c.tenant = r.tenant)"   \
    " ELSE (SELECT c.id FROM tern.contacts c WHERE c.tenant = r.tenant"                            \
    " AND lower(c.email) = lower(r.email)) END AS cid FROM r),"                                    \
    " rejected AS (INSERT INTO tern.event_rejects (id, tenant, key_id, item, reason, accepted_at)" \
    " SELECT id, tenant, key_id, jsonb_strip_nulls(to_jsonb(p) - 'cid'),"                          \
    " CASE WHEN contact_id IS NOT NULL THEN 'no such contact in tenant ' || tenant"                \
    " ELSE 'no contact with this address in tenant ' || tenant END, accepted_at"                   \
    " FROM placed p WHERE cid IS NULL ON CONFLICT (id) DO NOTHING RETURNING id, reason),"          \
    " claimed AS (INSERT INTO tern.event_idempotency (tenant, idempotency_key, event_id, key_id)"  \
    " SELECT tenant, idempotency_key, id, key_id FROM placed"                                      \
    " WHERE cid IS NOT NULL AND idempotency_key IS NOT NULL ORDER BY accepted_at, id"              \
    " ON CONFLICT DO NOTHING RETURNING event_id),"                                                 \
    " ins AS (INSERT INTO tern.events (id, contact_id, type, occurred_at, source, data)"           \
    " SELECT id, cid, type, occurred_at, coalesce(source, 'api'), coalesce(data, '{}')"            \
    " FROM placed WHERE cid IS NOT NULL"                                                           \
    " AND (idempotency_key IS NULL OR id IN (SELECT event_id FROM claimed))"                       \
    " ON CONFLICT DO NOTHING)"                                                                     \
    " SELECT id, reason FROM rejected"

#endif
