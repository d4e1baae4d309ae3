/*
 * contact_view.h - a contact as templates and scripts see it
 *
 * Owns: the one definition of the `contact` object of the template view
 * (DESIGN.md §4.4): every attribute at the top level (contact.first_name),
 * then the record's own fields, which win over attributes of the same
 * name: id, email, tenant, status, timezone (UTC when unknown), locale.
 * Used by `tern render --contact`, the milter and the Lua host, so a
 * template renders the same everywhere.
 *
 * Depends on: libpq, jansson, lib/db.
 */
#ifndef TERN_CONTACT_VIEW_H
#define TERN_CONTACT_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

/*
 * Load the contact `email` of `tenant` (case-insensitively) into *out (a
 * new reference). Returns 1 found, 0 no such contact (*out NULL), -1 with
 * a reason (query failed).
 */
int contact_view_by_email(PGconn *conn, const char *tenant, const char *email, json_t **out,
                          char *err, size_t errlen);

/* The same by id. */
int contact_view_by_id(PGconn *conn, int64_t id, json_t **out, char *err, size_t errlen);

/*
 * The contacts whose ids are in `ids` (a bigint[] literal: "{4,7}") as rows
 * (id, the view as JSON text) in id order, each row locked FOR NO KEY
 * UPDATE when `lock` -- in id order, so callers locking several contacts
 * never deadlock with each other. A missing id has no row. The result, or
 * NULL with a reason when the query failed.
 */
PGresult *contact_view_rows(PGconn *conn, const char *ids, bool lock, char *err, size_t errlen);

#endif
