/*
 * en_tz.h - UTC offsets of IANA time zones, read from the system tz database
 *
 * Owns: turning an instant into the contact's local time for journey
 * windows. setenv("TZ") + localtime_r is not thread-safe, so this reads
 * the compiled zone files (TZif, RFC 8536) under /usr/share/zoneinfo
 * ($TZDIR when set to an absolute path, as for libc) itself and keeps them in a small process-wide cache behind a mutex.
 * Transitions are taken from the file's 64-bit block; after the last
 * listed transition (Debian's files list them to 2037) the last offset
 * holds: the POSIX footer rule is not evaluated.
 *
 * Diagnostics: "time zone \"Mars/Base\": no such zone in the tz database",
 * "time zone \"../x\": not an IANA zone name", "...: not a TZif file".
 *
 * Depends on: libc, pthreads.
 */
#ifndef TERN_EN_TZ_H
#define TERN_EN_TZ_H

#include <stddef.h>
#include <stdint.h>

/* Seconds east of UTC in zone `name` ("UTC", "Europe/Berlin") at `t`. 0 or -1 with err. */
int en_tz_offset(const char *name, int64_t t, int32_t *east, char *err, size_t errlen);

/* Drop the cache (tests, and programs that want valgrind-clean exits). */
void en_tz_flush(void);

#endif
