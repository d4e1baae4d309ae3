/*
 * record.h - what the daemons spool, and how a batch of it reaches PostgreSQL
 *
 * Owns: the record kinds tern track and tern milter append to their spools
 * (spool.h), their encoding (one JSON object per record, versioned by its
 * "kind" name, so a spool written by an older build still replays), and
 * applying a batch of them to PostgreSQL idempotently in one transaction:
 * a record applied twice (a crash between commit and ack) changes nothing
 * the second time. Every record carries the id that makes this so.
 *
 * Kinds and their effect when applied:
 *     event        INSERT INTO events ... ON CONFLICT DO NOTHING (id + occurred_at)
 *     message      INSERT INTO messages ... ON CONFLICT (id, recipient) DO NOTHING,
 *                  plus its email.sent event (id derived from id and recipient)
 *     unsubscribe  contact status 'unsubscribed' (all mail) or a suppression
 *                  for one list/category, plus the email.unsubscribe event
 *                  carried in the record; repeating it changes nothing,
 *                  and one for a scope the contact already left records
 *                  no event either
 *     confirm      consent row (purpose, ip, user agent, source, time) keyed
 *                  by the event id, status 'pending' -> 'subscribed', plus
 *                  the contact.confirmed event
 *     preferences  attributes merged into contacts.attributes, plus the
 *                  preferences.updated event
 *     api_event    an event of the events API or `tern event`, placed at
 *                  apply time: its contact found in its tenant by id or by
 *                  address (an unknown address becomes a `pending` contact
 *                  of that tenant), its idempotency key claimed per tenant
 *                  (tern.event_idempotency: the first event with a key
 *                  wins); an unknown contact id is kept in
 *                  tern.event_rejects with the reason, and logged
 *
 * Encoding (doc/spool.md has every field): {"kind": "event", "id": ...,
 * "occurred_us": ..., ...}; a change is its event's fields plus "list",
 * "purpose" or "attrs". Encoders check what a caller can get wrong (event
 * type, ids, data that is not an object) and fail with the reason; an
 * occurred_us or sent_us of 0 means now, a change's event type defaults to
 * its kind's (email.unsubscribe, contact.confirmed, preferences.updated).
 *
 * Applying: one transaction per batch, always with synchronous_commit on
 * (the spool deletes what it committed, so the commit must be durable even
 * on a server that defaults to off); the event records by one COPY
 * (a replay, which collides on the key, is applied again the next way), one
 * statement per kind for the rest of the batch (a JSON array unpacked by
 * jsonb_to_recordset); only when PostgreSQL
 * refuses the data (SQLSTATE class 22, 23 or 54) are the records retried one
 * by one under savepoints, so the bad one is set aside and the rest commit. A
 * change (unsubscribe, confirm, preferences) takes effect only together with
 * its event's first insert, so a replay never undoes a later change.
 *
 * Depends on: lib/buf, lib/db, lib/events, lib/token (UUID text), lib/log,
 * jansson, libpq, OpenSSL (random and SHA-1 for ids). Needs migrations 0005,
 * 0010, 0020 and 0021.
 *
 * DIAGNOSTICS
 *     Encoders: -1 and the reason ("event type needs a dotted name like
 *     order.placed"). rec_apply logs each record it sets aside as a warning:
 *     "spooled record 1234 (confirm) set aside in tern.record_rejects:
 *     PostgreSQL refused it: ...".
 */
#ifndef TERN_RECORD_H
#define TERN_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "buf.h"
#include "spool.h"

/* An event as the daemons see it. Strings may be NULL (absent). */
struct rec_event {
    char id[37];            /* UUID; "" makes rec_encode_* generate one */
    long long contact_id;   /* 0: anonymous */
    const char *type;       /* "email.open" ... */
    int64_t occurred_us;    /* Unix time in microseconds */
    const char *source;     /* "track", "milter", "api" ... */
    const char *message_id; /* UUID text */
    const char *journey, *step;
    const char *data;  /* JSON object text */
    bool data_written; /* data was written by jsonw.h, an object by construction: not parsed
                          again to check it (every click's data is) */
    const char *bot_class, *bot_reason;
    const char *user_agent, *ip;
    int64_t delay_ms; /* since the message was sent; -1 unknown */
};

/* A managed message leaving the milter. */
struct rec_message {
    char id[37]; /* X-Tern-Message */
    long long contact_id;
    const char *tenant, *recipient;
    int recipients;
    const char *journey, *step;
    long long enrollment_id; /* 0: none */
    const char *template_name, *category, *subject, *queue_id;
    int link_count;
    int64_t sent_us;
};

/* A change a person asked for on a tracker page; `event` is recorded with it. */
struct rec_change {
    struct rec_event event;
    const char *list;    /* unsubscribe: list or category; NULL: all mail */
    const char *purpose; /* confirm: consent purpose ("marketing") */
    const char *attrs;   /* preferences: JSON object merged into attributes */
};

#define REC_IDEM_MAX 128 /* bytes of an idempotency key */

/* An event from outside (the events API, `tern event`): its contact is found
 * when the record is applied, so it can be accepted while PostgreSQL is away. */
struct rec_api_event {
    char id[37];          /* UUID, given when it is accepted (rec_new_event_id) */
    const char *tenant;   /* where the contact is looked up (or created) */
    const char *key_id;   /* the API key; NULL from tern event */
    const char *email;    /* exactly one of email and contact_id */
    long long contact_id; /* 0: by email */
    const char *type;     /* "order.placed" */
    int64_t occurred_us;  /* 0: now */
    const char *data;     /* JSON object text, NULL for {} */
    const char *idem_key; /* idempotency key, 1 to 128 bytes; NULL: none */
    const char *source;   /* "api" or "cli" */
    int64_t accepted_us;  /* when it was accepted (0: now) */
};

/* The id of a message's email.sent event: a UUIDv5 of the message id and
 * the recipient (the key of its messages row), the same on every replay.
 * -1 when `message_id` is not a UUID or `recipient` is NULL. */
int rec_sent_event_id(const char *message_id, const char *recipient, char out[37]);

int rec_encode_event(const struct rec_event *ev, struct buf *out, char *err, size_t errlen);
int rec_encode_message(const struct rec_message *msg, struct buf *out, char *err, size_t errlen);
int rec_encode_unsubscribe(const struct rec_change *c, struct buf *out, char *err, size_t errlen);
int rec_encode_confirm(const struct rec_change *c, struct buf *out, char *err, size_t errlen);
int rec_encode_preferences(const struct rec_change *c, struct buf *out, char *err, size_t errlen);
/* A new event id: a version 7 UUID of `now_us` (0: now), so ids sort by acceptance. False
 * when there are no random bytes. */
bool rec_new_event_id(int64_t now_us, char out[37]);

int rec_encode_api_event(const struct rec_api_event *ev, struct buf *out, char *err, size_t errlen);

/*
 * Apply `n` encoded records in one transaction on `conn`. A record that
 * cannot be decoded, or that PostgreSQL refuses on its own (a contact that
 * no longer exists), is logged with its sequence number and set aside, so
 * one bad record never blocks the spool: the same transaction keeps it in
 * tern.record_rejects (migration 0021) as spooled, with the reason, once
 * however often the batch is applied; *skipped counts them. -1 only for
 * failures that retrying can fix (connection lost, timeout): nothing was
 * applied then.
 */
int rec_apply(PGconn *conn, const struct spool_rec *recs, size_t n, size_t *skipped, char *err,
              size_t errlen);

#endif
