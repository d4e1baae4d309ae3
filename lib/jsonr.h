/*
 * jsonr.h - reading the JSON texts PostgreSQL gives back
 *
 * Owns: parsing jsonb's text output into jansson. jsonb keeps numbers of
 * any size: a 1e19 that jansson wrote as a real comes back as the integer
 * 10000000000000000000, which jansson's 64-bit integers refuse ("too big
 * integer"), so one such value in an event or an attribute made the event
 * or the contact unreadable. Such integers are read as reals; every other
 * number is read as jansson reads it.
 *
 *     json_t *v = jsonr_loads(PQgetvalue(res, 0, 0), 0, &jerr);
 *
 * Depends on: jansson, lib/buf.
 */
#ifndef TERN_JSONR_H
#define TERN_JSONR_H

#include <stddef.h>

#include <jansson.h>

/* json_loads with `flags`, but an integer beyond 64 bits is a real. NULL with `err` (may be
 * NULL) set as json_loads sets it. */
json_t *jsonr_loads(const char *text, size_t flags, json_error_t *err);

#endif
