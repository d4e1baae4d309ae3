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
 *     message      INSERT INTO messages ... ON CONFLICT (id) DO NOTHING, plus
 *                  its email.sent event (id derived from the message id)
 *     unsubscribe  contact status 'unsubscribed' (all mail) or a suppression
 *                  for one list/category, plus the email.unsubscribe event
 *                  carried in the record; repeating it changes nothing
 *     confirm      consent row (purpose, ip, user agent, source, time) keyed
 *                  by the event id, status 'pending' -> 'subscribed', plus
 *                  the contact.confirmed event
 *     preferences  attributes merged into contacts.attributes, plus the
 *                  preferences.updated event
 *
 * Depends on: lib/buf, jansson, libpq.
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
    const char *data; /* JSON object text */
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

int rec_encode_event(const struct rec_event *ev, struct buf *out, char *err, size_t errlen);
int rec_encode_message(const struct rec_message *msg, struct buf *out, char *err, size_t errlen);
int rec_encode_unsubscribe(const struct rec_change *c, struct buf *out, char *err, size_t errlen);
int rec_encode_confirm(const struct rec_change *c, struct buf *out, char *err, size_t errlen);
int rec_encode_preferences(const struct rec_change *c, struct buf *out, char *err, size_t errlen);

/*
 * Apply `n` encoded records in one transaction on `conn`. A record that
 * cannot be decoded, or that PostgreSQL refuses on its own (a contact that
 * no longer exists), is logged with its sequence number and skipped, so
 * one bad record never blocks the spool; *skipped counts them. -1 only for
 * failures that retrying can fix (connection lost, timeout): nothing was
 * applied then.
 */
int rec_apply(PGconn *conn, const struct spool_rec *recs, size_t n, size_t *skipped, char *err,
              size_t errlen);

#endif
