/*
 * record_int.h - what record.c and record_apply.c share; lib/record*.c only
 *
 * Owns: the JSON key names of a spooled record and the kind names, so the
 * encoder and the decoder cannot drift apart.
 */
#ifndef TERN_RECORD_INT_H
#define TERN_RECORD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"

/* The kinds; a change of meaning gets a new name, never a new reading of an old one. */
#define KIND_EVENT       "event"
#define KIND_MESSAGE     "message"
#define KIND_UNSUBSCRIBE "unsubscribe"
#define KIND_CONFIRM     "confirm"
#define KIND_PREFERENCES "preferences"
#define KIND_API_EVENT   "api_event"

/* "2026-12-01T17:54:54.123456Z" from Unix microseconds; `out` holds 32 bytes. */
void rec_iso_time(int64_t us, char out[32]);

/* The current time in Unix microseconds. */
int64_t rec_now_us(void);

/* The columns of a row rec_copy_event_row writes, in its order. */
#define REC_COPY_COLUMNS                                                                           \
    "id, contact_id, type, occurred_at, source, message_id, journey, step, data, bot_class,"       \
    " bot_reason, user_agent, ip, delay_ms"

/* Append an "event" record (`json`, `len` bytes) to `out` as one row of COPY text
 * (record_copy.c); false, `out` unchanged, when it is not a record of exactly the shape the
 * encoder writes, or on out of memory: that record then takes the general path. */
bool rec_copy_event_row(const char *json, size_t len, struct buf *out);

#endif
