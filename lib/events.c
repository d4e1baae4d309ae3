/*
 * events.c - validate and write events, look up contacts (see events.h)
 */
#include "events.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "db.h"
#include "record.h"

const char *
ev_type_problem(const char *type)
{
    size_t len = strlen(type);
    if (len == 0) return "event type is empty";
    if (len > 64) return "event type is longer than 64 characters";
    if (!islower((unsigned char)type[0])) return "event type must start with a lower-case letter";
    bool dot = false, after_dot = false;
    for (const char *p = type; *p; p++) {
        if (*p == '.') {
            if (after_dot || p[1] == '\0') return "event type has an empty part between dots";
            dot = after_dot = true;
            continue;
        }
        after_dot = false;
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
            return "event type may only hold a-z, 0-9, '_' and '.'";
    }
    if (!dot) return "event type needs a dotted name like order.placed";
    return NULL;
}

static bool
digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    return true;
}

/* The value of `n` digits at `s` (checked by the caller). */
static int
number(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* "Z", "+01:00" or "-05:30" as seconds east of UTC; false when it is none of these. */
static bool
zone_offset(const char *p, int *secs)
{
    if (strcmp(p, "Z") == 0) return (*secs = 0), true;
    if ((p[0] != '+' && p[0] != '-') || strlen(p) != 6 || !digits(p + 1, 2) || p[3] != ':' ||
        !digits(p + 4, 2) || number(p + 1, 2) > 23 || number(p + 4, 2) > 59)
        return false;
    *secs = (number(p + 1, 2) * 60 + number(p + 4, 2)) * 60 * (p[0] == '-' ? -1 : 1);
    return true;
}

/* Microseconds of a fraction ".123" at `*p` (moved past it); -1 when malformed. */
static int64_t
fraction(const char **p)
{
    if (**p != '.') return 0;
    int n = 0;
    while (isdigit((unsigned char)(*p)[1 + n]))
        n++;
    if (n == 0 || n > 6) return -1;
    int64_t us = number(*p + 1, n);
    for (int i = n; i < 6; i++)
        us *= 10;
    *p += 1 + n;
    return us;
}

const char *
ev_time_parse(const char *s, int64_t *us)
{
    static const char *const bad = "must be ISO 8601 with a zone, like 2026-03-01T12:00:00Z";
    if (strlen(s) < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2) || s[10] != 'T' || !digits(s + 11, 2) || s[13] != ':' ||
        !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
        return bad;
    struct tm tm = {.tm_year = number(s, 4) - 1900,
                    .tm_mon = number(s + 5, 2) - 1,
                    .tm_mday = number(s + 8, 2),
                    .tm_hour = number(s + 11, 2),
                    .tm_min = number(s + 14, 2),
                    .tm_sec = number(s + 17, 2)};
    struct tm want = tm;
    const char *p = s + 19;
    int64_t frac = fraction(&p);
    int zone;
    if (frac < 0 || !zone_offset(p, &zone)) return bad;
    time_t t = timegm(&tm); /* normalizes 02-30 to 03-02: compare to catch it */
    if (tm.tm_mon != want.tm_mon || tm.tm_mday != want.tm_mday || tm.tm_hour != want.tm_hour ||
        tm.tm_min != want.tm_min || tm.tm_sec != want.tm_sec || want.tm_year < 0)
        return "is not a real date and time";
    *us = ((int64_t)t - zone) * 1000000 + frac;
    return NULL;
}

const char *
ev_data_problem(const char *json, char *why, size_t len)
{
    json_error_t jerr;
    json_t *v = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    if (!v) {
        snprintf(why, len, "data is not valid JSON: %s (column %d)", jerr.text, jerr.column);
        return why;
    }
    bool object = json_is_object(v);
    json_decref(v);
    return object ? NULL : "data must be a JSON object";
}

bool
ev_insert(PGconn *conn, const struct ev_new *ev, char id[37], char *err, size_t errlen)
{
    char contact[24], uuid[37];
    /* time-ordered, and increasing within this thread: the events one journey step emits
     * are read back in the order it emitted them (the intake reads by id) */
    if (!rec_new_event_id(0, uuid)) {
        snprintf(err, errlen, "no random bytes for an event id");
        return false;
    }
    snprintf(contact, sizeof contact, "%" PRId64, ev->contact_id);
    const char *params[] = {ev->type,        contact,    ev->data ? ev->data : "{}",
                            ev->occurred_at, ev->source, uuid};
    PGresult *res =
        PQexecParams(conn,
                     "INSERT INTO tern.events (id, type, contact_id, data, occurred_at, source)"
                     " VALUES ($6::uuid, $1, $2, $3::jsonb,"
                     "         coalesce($4::timestamptz, now()), $5)"
                     " RETURNING id",
                     6, NULL, params, NULL, NULL, 0);
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    if (ok)
        snprintf(id, 37, "%s", PQgetvalue(res, 0, 0));
    else
        db_error(conn, res, err, errlen);
    PQclear(res);
    return ok;
}

int64_t
contact_find_by_email(PGconn *conn, const char *tenant, const char *email, char *err, size_t errlen)
{
    const char *params[] = {tenant, email};
    PGresult *res = PQexecParams(
        conn, "SELECT id FROM tern.contacts WHERE tenant = $1 AND lower(email) = lower($2)", 2,
        NULL, params, NULL, NULL, 0);
    int64_t id = -1;
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        db_error(conn, res, err, errlen);
    else
        id = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return id;
}

int
contact_exists(PGconn *conn, int64_t id, char *err, size_t errlen)
{
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%" PRId64, id);
    const char *params[] = {idtext};
    PGresult *res = PQexecParams(conn, "SELECT 1 FROM tern.contacts WHERE id = $1", 1, NULL, params,
                                 NULL, NULL, 0);
    int found = -1;
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        db_error(conn, res, err, errlen);
    else
        found = PQntuples(res) > 0;
    PQclear(res);
    return found;
}
