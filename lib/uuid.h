/*
 * uuid.h - new UUIDs: random (version 4) and time-ordered (version 7)
 *
 * Owns: making the ids Tern gives messages and events (RFC 9562). Message
 * ids are version 7: their first 48 bits are the Unix time in milliseconds
 * when the message was made, so the tracker can tell how long after the
 * send a click came without asking the database, and ids made close in
 * time sort together (index locality in messages and events). Parsing and
 * printing are tok_uuid_parse / tok_uuid_format (token.h).
 *
 * Depends on: OpenSSL (RAND_bytes, drawn in 4 KiB blocks per thread: a
 * process that forks must not make ids in both parent and child from a
 * block drawn before the fork; no Tern daemon forks after it started).
 */
#ifndef TERN_UUID_H
#define TERN_UUID_H

#include <stdbool.h>
#include <stdint.h>

/* A random version 4 UUID. False when the random generator fails. */
bool uuid_v4(unsigned char raw[16]);

/*
 * A version 7 UUID for `unix_ms` (milliseconds since 1970; clamped to 48
 * bits). The ids one thread makes increase (RFC 9562 6.2, method 1): within
 * a millisecond the 12 bits after the version count up from a random start,
 * a full count or a clock that stepped back (by less than 10 s; an older
 * time given on purpose is kept) moves on from the thread's last
 * millisecond. So the items of one events API request, or the events one
 * journey step emits, keep their order where events are read by id.
 */
bool uuid_v7(unsigned char raw[16], int64_t unix_ms);

/* The Unix milliseconds of a version 7 UUID, or -1 for any other version. */
int64_t uuid_v7_ms(const unsigned char raw[16]);

#endif
