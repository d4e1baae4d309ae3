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

#endif
