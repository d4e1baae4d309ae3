/*
 * en_time.h - instants as journeys write them: ISO 8601 text and Unix seconds
 *
 * Owns: the one reading of a time a script or a command line gives
 * (c:wait_until's time, --start, contact attributes like preorder_opens_at)
 * and the one way the engine prints an instant. Accepted:
 * "2026-03-01", "2026-03-01T09:30", "2026-03-01T09:30:15", each optionally
 * followed by "Z" or an offset "+02:00" / "-0530"; a space may replace
 * the "T". Without a zone the time is UTC. Printed: "2026-03-01T09:30:15Z".
 *
 * Depends on: libc only (no TZ, no locale: thread-safe).
 */
#ifndef TERN_EN_TIME_H
#define TERN_EN_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Parse `s` into Unix seconds. 0, or -1 with the reason in why. */
int en_time_parse(const char *s, int64_t *t, char *why, size_t whylen);

/* Write `t` as "YYYY-MM-DDTHH:MM:SSZ" (out needs 21 bytes or more). */
void en_time_format(int64_t t, char *out, size_t outlen);

/* Days since 1970-01-01 of a civil date, and back (proleptic Gregorian). */
int64_t en_days_from_civil(int64_t y, unsigned m, unsigned d);
void en_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif
