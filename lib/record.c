/*
 * record.c - encoding the records the daemons spool (see record.h)
 *
 * One compact JSON object per record, its kind in "kind". Encoding checks
 * what the caller can get wrong (an event type, data that is not an
 * object, an id that is not a UUID) so a bug shows up where it is made,
 * not later as a skipped record in the drain. Absent strings are left out.
 */
#include "record.h"
#include "uuid.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "events.h"
#include "jsonw.h"
#include "record_int.h"
#include "token.h"

/* Namespace of the email.sent event ids (a UUIDv5 namespace, chosen once). */
static const unsigned char SENT_NAMESPACE[16] = {0x6b, 0x1f, 0x0e, 0x52, 0x93, 0x4c, 0x4d, 0x1a,
                                                 0xa7, 0x3e, 0x58, 0x21, 0xc0, 0x9d, 0x77, 0x3b};

int64_t
rec_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
rec_iso_time(int64_t us, char out[32])
{
    int64_t secs = us / 1000000, frac = us % 1000000;
    if (frac < 0) secs--, frac += 1000000; /* before 1970: floor, not truncate */
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%06" PRId64 "Z", frac);
}

int
rec_sent_event_id(const char *message_id, const char *recipient, char out[37])
{
    unsigned char raw[16], digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    if (!message_id || !recipient || !tok_uuid_parse(message_id, strlen(message_id), raw))
        return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
              EVP_DigestUpdate(ctx, SENT_NAMESPACE, sizeof SENT_NAMESPACE) == 1 &&
              EVP_DigestUpdate(ctx, raw, sizeof raw) == 1 &&
              EVP_DigestUpdate(ctx, recipient, strlen(recipient)) == 1 &&
              EVP_DigestFinal_ex(ctx, digest, &dlen) == 1 && dlen >= 16;
    EVP_MD_CTX_free(ctx);
    if (!ok) return -1;
    digest[6] = (unsigned char)((digest[6] & 0x0f) | 0x50); /* version 5 */
    digest[8] = (unsigned char)((digest[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    tok_uuid_format(digest, out);
    return 0;
}

static int
fail(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s", what);
    return -1;
}

/* `id` itself, or a new random UUID when it is "". */
static int
event_id(const char *id, char out[37], char *err, size_t errlen)
{
    unsigned char raw[16];
    if (*id) {
        if (!tok_uuid_parse(id, strlen(id), raw))
            return fail(err, errlen, "event id is not a UUID");
        tok_uuid_format(raw, out);
        return 0;
    }
    if (!uuid_v4(raw)) return fail(err, errlen, "no random bytes for an event id");
    tok_uuid_format(raw, out);
    return 0;
}

/* Whether `text` is a JSON object, to embed it as it is; false with a reason. */
static bool
object_text_ok(const char *text, const char *what, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!v)
        snprintf(err, errlen, "%s is not valid JSON: %s (column %d)", what, jerr.text, jerr.column);
    else if (!json_is_object(v))
        snprintf(err, errlen, "%s must be a JSON object", what);
    bool ok = v && json_is_object(v);
    json_decref(v);
    return ok;
}

/* Open the record and write the event's fields (jsonw.h); -1 with a reason. */
static int
event_fields(const struct rec_event *ev, const char *kind, struct jw *w, char *err, size_t errlen)
{
    const char *problem = ev->type ? ev_type_problem(ev->type) : "event type is missing";
    char id[37];
    if (problem) return fail(err, errlen, problem);
    if (event_id(ev->id, id, err, errlen) < 0) return -1;
    if (ev->data && !ev->data_written && !object_text_ok(ev->data, "data", err, errlen)) return -1;
    jw_str(w, "kind", kind);
    jw_str(w, "id", id);
    jw_int(w, "contact_id", ev->contact_id);
    jw_str(w, "type", ev->type);
    jw_int(w, "occurred_us", ev->occurred_us ? ev->occurred_us : rec_now_us());
    jw_str(w, "source", ev->source);
    jw_str(w, "message_id", ev->message_id);
    jw_str(w, "journey", ev->journey);
    jw_str(w, "step", ev->step);
    jw_raw(w, "data", ev->data);
    jw_str(w, "bot_class", ev->bot_class);
    jw_str(w, "bot_reason", ev->bot_reason);
    jw_str(w, "user_agent", ev->user_agent);
    jw_str(w, "ip", ev->ip);
    if (ev->delay_ms >= 0) jw_int(w, "delay_ms", ev->delay_ms);
    return 0;
}

/* Close the record written into `out`; -1 when it did not fit in memory. */
static int
close_record(struct jw *w, char *err, size_t errlen)
{
    return jw_end(w) ? 0 : fail(err, errlen, "out of memory");
}

int
rec_encode_event(const struct rec_event *ev, struct buf *out, char *err, size_t errlen)
{
    buf_reset(out);
    struct jw w = JW_INIT(out);
    if (event_fields(ev, KIND_EVENT, &w, err, errlen) < 0) return -1;
    return close_record(&w, err, errlen);
}

int
rec_encode_message(const struct rec_message *m, struct buf *out, char *err, size_t errlen)
{
    unsigned char raw[16];
    if (!tok_uuid_parse(m->id, strlen(m->id), raw))
        return fail(err, errlen, "message id is not a UUID");
    if (!m->recipient || !*m->recipient) return fail(err, errlen, "message has no recipient");
    buf_reset(out);
    struct jw w = JW_INIT(out); /* one per managed message: no jansson tree (jsonw.h) */
    jw_str(&w, "kind", KIND_MESSAGE);
    jw_str(&w, "id", m->id);
    jw_int(&w, "contact_id", m->contact_id);
    jw_str(&w, "tenant", m->tenant);
    jw_str(&w, "recipient", m->recipient);
    jw_int(&w, "recipients", m->recipients);
    jw_str(&w, "journey", m->journey);
    jw_str(&w, "step", m->step);
    jw_int(&w, "enrollment_id", m->enrollment_id);
    jw_str(&w, "template", m->template_name);
    jw_str(&w, "category", m->category);
    jw_str(&w, "subject", m->subject);
    jw_str(&w, "queue_id", m->queue_id);
    jw_int(&w, "link_count", m->link_count);
    jw_int(&w, "sent_us", m->sent_us ? m->sent_us : rec_now_us());
    return close_record(&w, err, errlen);
}

/* A change: its event, with the kind's default type; the caller adds its field and closes. */
static int
change_fields(const struct rec_change *c, const char *kind, const char *default_type, struct jw *w,
              char *err, size_t errlen)
{
    if (c->event.contact_id <= 0) return fail(err, errlen, "a change needs a contact");
    struct rec_event ev = c->event;
    if (!ev.type) ev.type = default_type;
    return event_fields(&ev, kind, w, err, errlen);
}

int
rec_encode_unsubscribe(const struct rec_change *c, struct buf *out, char *err, size_t errlen)
{
    buf_reset(out);
    struct jw w = JW_INIT(out);
    if (change_fields(c, KIND_UNSUBSCRIBE, "email.unsubscribe", &w, err, errlen) < 0) return -1;
    jw_str(&w, "list", c->list);
    return close_record(&w, err, errlen);
}

int
rec_encode_confirm(const struct rec_change *c, struct buf *out, char *err, size_t errlen)
{
    buf_reset(out);
    struct jw w = JW_INIT(out);
    if (change_fields(c, KIND_CONFIRM, "contact.confirmed", &w, err, errlen) < 0) return -1;
    jw_str(&w, "purpose", c->purpose ? c->purpose : "marketing");
    return close_record(&w, err, errlen);
}

int
rec_encode_preferences(const struct rec_change *c, struct buf *out, char *err, size_t errlen)
{
    if (!c->attrs) return fail(err, errlen, "preferences need attributes");
    if (!object_text_ok(c->attrs, "attrs", err, errlen)) return -1;
    buf_reset(out);
    struct jw w = JW_INIT(out);
    if (change_fields(c, KIND_PREFERENCES, "preferences.updated", &w, err, errlen) < 0) return -1;
    jw_raw(&w, "attrs", c->attrs);
    return close_record(&w, err, errlen);
}

static const char *
api_event_problem(const struct rec_api_event *ev)
{
    if (!ev->type) return "event type is missing";
    const char *bad = ev_type_problem(ev->type);
    if (bad) return bad;
    if (!ev->tenant || !*ev->tenant) return "an event from outside needs a tenant";
    if (!ev->email == !(ev->contact_id > 0)) return "give exactly one of email and contact_id";
    if (ev->idem_key && (!*ev->idem_key || strlen(ev->idem_key) > REC_IDEM_MAX))
        return "idempotency key must be 1 to 128 bytes";
    return NULL;
}

bool
rec_new_event_id(int64_t now_us, char out[37])
{
    unsigned char raw[16];
    if (!uuid_v7(raw, (now_us ? now_us : rec_now_us()) / 1000)) return false;
    tok_uuid_format(raw, out);
    return true;
}

int
rec_encode_api_event(const struct rec_api_event *ev, struct buf *out, char *err, size_t errlen)
{
    const char *bad = api_event_problem(ev);
    if (bad) return fail(err, errlen, bad);
    int64_t now = rec_now_us(), accepted = ev->accepted_us ? ev->accepted_us : now;
    char id[37];
    if (!*ev->id) return fail(err, errlen, "an event from outside needs its id");
    if (event_id(ev->id, id, err, errlen) < 0) return -1;
    if (ev->data && !object_text_ok(ev->data, "data", err, errlen)) return -1;
    buf_reset(out);
    struct jw w = JW_INIT(out);
    jw_str(&w, "kind", KIND_API_EVENT);
    jw_str(&w, "id", id);
    jw_str(&w, "tenant", ev->tenant);
    jw_str(&w, "key_id", ev->key_id);
    jw_str(&w, "email", ev->email);
    if (ev->contact_id > 0) jw_int(&w, "contact_id", ev->contact_id);
    jw_str(&w, "type", ev->type);
    jw_int(&w, "occurred_us", ev->occurred_us ? ev->occurred_us : now);
    jw_raw(&w, "data", ev->data);
    jw_str(&w, "idempotency_key", ev->idem_key);
    jw_str(&w, "source", ev->source);
    jw_int(&w, "accepted_us", accepted);
    return close_record(&w, err, errlen);
}
