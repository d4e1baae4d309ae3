/*
 * events.c - validate and write events, look up contacts (see events.h)
 */
#include "events.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "db.h"

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
    char contact[24];
    snprintf(contact, sizeof contact, "%" PRId64, ev->contact_id);
    const char *params[] = {ev->type, contact, ev->data ? ev->data : "{}", ev->occurred_at,
                            ev->source};
    PGresult *res =
        PQexecParams(conn,
                     "INSERT INTO tern.events (id, type, contact_id, data, occurred_at, source)"
                     " VALUES (gen_random_uuid(), $1, $2, $3::jsonb,"
                     "         coalesce($4::timestamptz, now()), $5)"
                     " RETURNING id",
                     5, NULL, params, NULL, NULL, 0);
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
