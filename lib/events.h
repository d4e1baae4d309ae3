/*
 * events.h - recording events and finding the contacts they belong to
 *
 * Owns: the rules for a valid event (type syntax, data must be a JSON
 * object) and the SQL that writes one event row. The CLI (`tern event`)
 * writes through here directly; the tracker and the events API reach the
 * same table through their spools.
 * Depends on: libpq, jansson, lib/db.
 */
#ifndef TERN_EVENTS_H
#define TERN_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

struct ev_new {
    const char *type;        /* "order.placed": lower-case dotted words */
    int64_t contact_id;      /* an existing contact */
    const char *data;        /* JSON object text, NULL for {} */
    const char *occurred_at; /* ISO 8601, NULL for now */
    const char *source;      /* "cli", "api", "track", "milter", "engine" */
};

/* NULL when `type` is acceptable, else why not. */
const char *ev_type_problem(const char *type);

/*
 * Parse an ISO 8601 time with a zone, `2026-03-01T12:00:00Z`,
 * `2026-03-01T13:00:00.250+01:00` (up to six fraction digits), into Unix
 * microseconds. NULL on success, else why not: every field is checked
 * (no 2026-02-30), so a time accepted here is one PostgreSQL accepts.
 */
const char *ev_time_parse(const char *s, int64_t *us);

/* NULL when `json` is a JSON object (what event data must be), else why not. */
const char *ev_data_problem(const char *json, char *why, size_t len);

/*
 * Insert one event; on success writes its id (a UUID string) to `id` and
 * returns true. On failure `err` says why.
 */
bool ev_insert(PGconn *conn, const struct ev_new *ev, char id[37], char *err, size_t errlen);

/*
 * Find a contact by address (case-insensitively) within a tenant.
 * Returns its id, 0 when there is none, -1 on error (`err` filled).
 */
int64_t contact_find_by_email(PGconn *conn, const char *tenant, const char *email, char *err,
                              size_t errlen);

/* 1 when contact `id` exists, 0 when not, -1 on error. */
int contact_exists(PGconn *conn, int64_t id, char *err, size_t errlen);

#endif
