/*
 * en_pg_seglua.c - a Lua segment's diff: contacts in keyset batches through where
 *
 * Batches of EN_SEG_BATCH contacts in id order (keyset: id > the last one
 * seen, so a batch costs the same at the end of the table as at its
 * start), each with its current membership. The next batch is asked for
 * before this one is evaluated, so PostgreSQL reads it while Lua runs.
 * where runs CHUNK contacts per protected call: the Lua time limit
 * ([lua] call_timeout) applies to each such run, and the call costs
 * nothing per contact. Each contact is a fresh table built straight from
 * the row: the attributes' JSON decoded (jansson), then the record's own
 * fields, which win as in lib/contact_view. Contacts of other tenants
 * are not handed to where; they are only members to end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "db.h"
#include "en_int.h"
#include "en_pg_int.h"
#include "en_seg_int.h"
#include "lua/lh_json.h"

#define CHUNK 100 /* contacts per protected call */

enum { C_ID, C_EMAIL, C_TENANT, C_STATUS, C_TZ, C_LOCALE, C_ATTRS, C_MEMBER, C_SCOPE };

#define STR(x)  #x
#define XSTR(x) STR(x)

/* $1 segment, $2 after this id, $3 tenant or NULL, $4 changed since or NULL. */
static const char batch_sql[] =
    "SELECT c.id, c.email, c.tenant, c.status, coalesce(c.timezone, 'UTC'), c.locale,"
    " c.attributes::text, m.member, $3::text IS NULL OR c.tenant = $3"
    " FROM contacts c CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM segment_memberships s"
    "  WHERE s.segment = $1 AND s.contact_id = c.id AND s.left_at IS NULL) AS member) m"
    " WHERE c.id > $2::bigint AND ($4::timestamptz IS NULL OR c.updated_at >= $4::timestamptz)"
    " AND ($3::text IS NULL OR c.tenant = $3 OR m.member)"
    " ORDER BY c.id LIMIT " XSTR(EN_SEG_BATCH);

static int
send_batch(const struct en_seg_eval *e, const char *after, char *err, size_t errlen)
{
    const char *p[] = {e->seg->name, after, e->seg->tenant, e->since};
    if (PQsendQueryParams(e->conn, batch_sql, 4, NULL, p, NULL, NULL, 0)) return 0;
    snprintf(err, errlen, "%s", PQerrorMessage(e->conn));
    return -1;
}

/* The result of the query sent last (NULL with err when it failed); reads the connection dry. */
static PGresult *
take_batch(PGconn *conn, char *err, size_t errlen)
{
    PGresult *res = PQgetResult(conn), *more;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        db_error(conn, res, err, errlen);
        PQclear(res);
        res = NULL;
    }
    while ((more = PQgetResult(conn)))
        PQclear(more);
    return res;
}

/*
 * ---------------------------------------------------------------
 * where, inside one protected call per chunk
 * ---------------------------------------------------------------
 */

struct chunk {
    const char *segment;
    PGresult *res;
    int row, end;   /* rows [row, end) of res */
    bool *member;   /* where's answer per row */
    json_t *attrs;  /* decoded and being pushed: freed by the caller if a push raises */
    int64_t called; /* where calls */
};

static void
set_text(lua_State *L, const struct chunk *c, int col, const char *key)
{
    if (PQgetisnull(c->res, c->row, col))
        lh_json_push_null(L); /* as the view's JSON null */
    else
        lua_pushlstring(L, PQgetvalue(c->res, c->row, col),
                        (size_t)PQgetlength(c->res, c->row, col));
    lua_setfield(L, -2, key);
}

static void
push_contact(lua_State *L, struct chunk *c)
{
    const char *id = PQgetvalue(c->res, c->row, C_ID);
    c->attrs = json_loadb(PQgetvalue(c->res, c->row, C_ATTRS),
                          (size_t)PQgetlength(c->res, c->row, C_ATTRS), 0, NULL);
    if (!json_is_object(c->attrs)) luaL_error(L, "contact %s: attributes are not JSON", id);
    lh_json_push(L, c->attrs);
    json_decref(c->attrs);
    c->attrs = NULL;
    lua_pushinteger(L, (lua_Integer)strtoll(id, NULL, 10));
    lua_setfield(L, -2, "id");
    set_text(L, c, C_EMAIL, "email");
    set_text(L, c, C_TENANT, "tenant");
    set_text(L, c, C_STATUS, "status");
    set_text(L, c, C_TZ, "timezone");
    set_text(L, c, C_LOCALE, "locale");
}

static int
where_chunk(lua_State *L)
{
    struct chunk *c = lua_touserdata(L, 1);
    lua_settop(L, 0);
    if (lh_reg_push_segment_where(L, c->segment) != LUA_TFUNCTION)
        return luaL_error(L, "segment \"%s\" has no where function", c->segment);
    for (; c->row < c->end; c->row++) {
        c->member[c->row] = false;
        if (PQgetvalue(c->res, c->row, C_SCOPE)[0] != 't') continue; /* another tenant's */
        lua_pushvalue(L, 1);
        push_contact(L, c);
        lua_call(L, 1, 1);
        c->member[c->row] = lua_toboolean(L, -1);
        c->called++;
        lua_settop(L, 1);
    }
    return 0;
}

static int
run_chunk(struct lh_state *st, struct chunk *c, char *err, size_t errlen)
{
    if (en_lua_protected(st, where_chunk, c, err, errlen) == 0) return 0;
    json_decref(c->attrs);
    c->attrs = NULL;
    size_t n = strlen(err);
    snprintf(err + n, errlen - n, " (contact %s)", PQgetvalue(c->res, c->row, C_ID));
    return -1;
}

/* where over every row of `res`, the changes into the diff. */
static int
evaluate(struct en_seg_eval *e, PGresult *res, bool *member, char *err, size_t errlen)
{
    int n = PQntuples(res);
    struct chunk c = {.segment = e->seg->name, .res = res, .member = member};
    while (c.row < n) {
        c.end = c.row + CHUNK < n ? c.row + CHUNK : n;
        if (run_chunk(e->st, &c, err, errlen) < 0) return -1;
    }
    for (int i = 0; i < n; i++) {
        bool was = PQgetvalue(res, i, C_MEMBER)[0] == 't';
        if (member[i] != was) en_seg_diff_add(e->diff, PQgetvalue(res, i, C_ID), member[i]);
    }
    e->evaluated += c.called;
    return e->diff->oom ? (snprintf(err, errlen, "out of memory"), -1) : 0;
}

int
en_seg_eval_lua(struct en_seg_eval *e, char *err, size_t errlen)
{
    bool *member = malloc(EN_SEG_BATCH * sizeof *member);
    char after[32] = "0";
    int rc = member ? send_batch(e, after, err, errlen) : -1;
    if (!member) snprintf(err, errlen, "out of memory");
    PGresult *res = rc == 0 ? take_batch(e->conn, err, errlen) : NULL;
    if (!res) rc = -1;
    while (rc == 0 && PQntuples(res) > 0) {
        int n = PQntuples(res);
        bool more = n == EN_SEG_BATCH;
        snprintf(after, sizeof after, "%s", PQgetvalue(res, n - 1, C_ID));
        if (more && send_batch(e, after, err, errlen) < 0) rc = -1;
        if (rc == 0) rc = evaluate(e, res, member, err, errlen);
        PQclear(res);
        res = NULL;
        if (more) { /* the next batch, also after a failure: the connection must be idle */
            char why[256];
            res = take_batch(e->conn, rc == 0 ? err : why, rc == 0 ? errlen : sizeof why);
            if (!res) rc = -1;
        }
        if (!more) break;
    }
    PQclear(res);
    free(member);
    return rc;
}
