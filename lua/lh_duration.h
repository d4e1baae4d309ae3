/*
 * lh_duration.h - durations and offsets as scripts write them
 *
 * Owns: the one syntax for spans of time in journey, segment and policy
 * scripts: a whole number followed by one unit, `30s`, `90m`, `12h`, `3d`,
 * `2w` (seconds, minutes, hours, days, weeks). An *offset* may carry a
 * sign, `-3d` or `+2h` (c:wait_until). No blanks, no fractions, no
 * compound forms; a duration must be at least one second (an offset may
 * be zero: `0`, `0s`) and at most 100 years. The registration
 * bindings and the engine both parse through here, so a script means the
 * same thing everywhere.
 *
 *     int64_t s;
 *     if (lh_duration_parse("90m", &s, why, sizeof why) < 0) ...   // s == 5400
 *
 * Depends on: libc only.
 */
#ifndef TERN_LH_DURATION_H
#define TERN_LH_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* The longest duration or offset, in seconds: a century (anything longer is a typo). */
#define LH_DURATION_MAX (100LL * 366 * 86400)

/* A positive duration in seconds. 0, or -1 with the reason ("\"5x\" ...") in why. */
int lh_duration_parse(const char *s, int64_t *secs, char *why, size_t whylen);

/* A signed offset in seconds ("-3d", "+2h", "90m", "0"). 0 or -1 as above. */
int lh_offset_parse(const char *s, int64_t *secs, char *why, size_t whylen);

/* Write `secs` (> 0) in the largest unit that divides it: 604800 -> "1w", 5400 -> "90m". */
void lh_duration_format(int64_t secs, char *out, size_t outlen);

#endif
