/*
 * contact_view.c - load a contact as a JSON view object (see contact_view.h)
 *
 * PostgreSQL builds the object (attributes || the record's fields), so the
 * precedence rule lives in one statement and jsonb types arrive intact.
 */
#include "contact_view.h"

#include <inttypes.h>
#include <stdio.h>

#include "db.h"
#include "jsonr.h"

#define VIEW_OBJECT                                                                                \
    "attributes || jsonb_build_object('id', id, 'email', email, 'tenant', tenant,"                 \
    " 'status', status, 'timezone', coalesce(timezone, 'UTC'), 'locale', locale)"
#define VIEW_SELECT "SELECT " VIEW_OBJECT " FROM tern.contacts "

static int
load(PGconn *conn, const char *sql, int nparams, const char *const *params, json_t **out, char *err,
     size_t errlen)
{
    *out = NULL;
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    int rc = -1;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        db_error(conn, res, err, errlen);
    } else if (PQntuples(res) == 0) {
        rc = 0;
    } else {
        json_error_t jerr;
        *out = jsonr_loads(PQgetvalue(res, 0, 0), 0, &jerr);
        if (*out)
            rc = 1;
        else
            snprintf(err, errlen, "contact record is not valid JSON: %s", jerr.text);
    }
    PQclear(res);
    return rc;
}

int
contact_view_by_email(PGconn *conn, const char *tenant, const char *email, json_t **out, char *err,
                      size_t errlen)
{
    const char *params[] = {tenant, email};
    return load(conn, VIEW_SELECT "WHERE tenant = $1 AND lower(email) = lower($2)", 2, params, out,
                err, errlen);
}

int
contact_view_by_id(PGconn *conn, int64_t id, json_t **out, char *err, size_t errlen)
{
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%" PRId64, id);
    const char *params[] = {idtext};
    return load(conn, VIEW_SELECT "WHERE id = $1", 1, params, out, err, errlen);
}

PGresult *
contact_view_rows(PGconn *conn, const char *ids, bool lock, char *err, size_t errlen)
{
    const char *params[] = {ids};
    PGresult *res =
        PQexecParams(conn,
                     lock ? "SELECT id, " VIEW_OBJECT " FROM tern.contacts"
                            " WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE"
                          : "SELECT id, " VIEW_OBJECT " FROM tern.contacts"
                            " WHERE id = ANY($1::bigint[]) ORDER BY id",
                     1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK) return res;
    db_error(conn, res, err, errlen);
    PQclear(res);
    return NULL;
}
