/*
 * en_pg_seglua.c - a Lua segment's diff: contacts in keyset batches through where
 *
 * Batches of EN_SEG_BATCH contacts, the next ones in id order (keyset:
 * id > the highest one seen, so a batch costs the same at the end of the
 * table as at its start), each with its current membership. The next batch is asked for
 * before this one is evaluated, so PostgreSQL reads it while Lua runs.
 * where runs CHUNK contacts per protected call: the Lua time limit
 * ([lua] call_timeout) applies to each such run, and the call costs
 * nothing per contact. Each contact is a fresh table built straight from
 * the row: the attributes' JSON text pushed as it is read
 * (lh_json_push_text: a jansson tree first cost half of the time per
 * contact), then the record's own
 * fields, which win as in lib/contact_view. Batches hold the segment's
 * tenant's contacts only; members of another tenant leave, found by one
 * query after the batches.
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

#define CHUNK         16 /* contacts per protected call */
#define RECORD_FIELDS 6  /* id email tenant status timezone locale, set after the attributes */

enum { C_ID, C_EMAIL, C_TENANT, C_STATUS, C_TZ, C_LOCALE, C_ATTRS, C_MEMBER };

#define STR(x)      #x
#define XSTR(x)     STR(x)
#define BATCH_LIMIT " LIMIT " XSTR(EN_SEG_BATCH)

/*
 * $1 segment, $2 after this id, $3 tenant or NULL. The members of the
 * batch's id range in one range scan of the current-member index (a probe
 * per contact costs four times as much, and an EXISTS is planned as a hash
 * of every member, rebuilt per batch).
 */
static const char batch_full[] =
    "WITH b AS MATERIALIZED (SELECT id, email, tenant, status, coalesce(timezone, 'UTC') AS tz,"
    "  locale, attributes FROM contacts WHERE id > $2::bigint"
    "  AND ($3::text IS NULL OR tenant = $3) ORDER BY id" BATCH_LIMIT "),"
    " m AS (SELECT contact_id FROM segment_memberships WHERE segment = $1 AND left_at IS NULL"
    "  AND contact_id > $2::bigint AND contact_id <= (SELECT max(id) FROM b))"
    " SELECT b.id, b.email, b.tenant, b.status, b.tz, b.locale, b.attributes::text,"
    " m.contact_id IS NOT NULL FROM b LEFT JOIN m ON m.contact_id = b.id";

/* $4: changed since. Few contacts, scattered: a probe per contact. */
static const char batch_changed[] =
    "SELECT c.id, c.email, c.tenant, c.status, coalesce(c.timezone, 'UTC'), c.locale,"
    " c.attributes::text, m.member IS NOT NULL FROM contacts c"
    " LEFT JOIN LATERAL (SELECT true AS member FROM segment_memberships s WHERE s.segment = $1"
    "  AND s.contact_id = c.id AND s.left_at IS NULL LIMIT 1) m ON true"
    " WHERE c.id > $2::bigint AND c.updated_at >= $4::timestamptz"
    " AND ($3::text IS NULL OR c.tenant = $3) ORDER BY c.id" BATCH_LIMIT;

/* Members that are another tenant's contacts now (the batches only see the segment's tenant). */
static const char strangers[] =
    "SELECT m.contact_id FROM segment_memberships m JOIN contacts c ON c.id = m.contact_id"
    " WHERE m.segment = $1 AND m.left_at IS NULL AND c.tenant <> $2"
    " AND ($3::timestamptz IS NULL OR c.updated_at >= $3::timestamptz)";

/* The batch's highest id: where the next one starts (rows come in no particular order). */
static void
last_id(PGresult *res, char *after, size_t len)
{
    long long top = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        long long id = strtoll(PQgetvalue(res, i, C_ID), NULL, 10);
        if (id > top) top = id;
    }
    snprintf(after, len, "%lld", top);
}

static int
send_batch(const struct en_seg_eval *e, const char *after, char *err, size_t errlen)
{
    const char *p[] = {e->seg->name, after, e->seg->tenant, e->since};
    if (PQsendQueryParams(e->conn, e->since ? batch_changed : batch_full, e->since ? 4 : 3, NULL, p,
                          NULL, NULL, 0))
        return 0;
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
    lh_json_push_text(L, PQgetvalue(c->res, c->row, C_ATTRS),
                      (size_t)PQgetlength(c->res, c->row, C_ATTRS), RECORD_FIELDS);
    if (!lua_istable(L, -1)) luaL_error(L, "contact %s: attributes are not an object", id);
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

static int
leave_strangers(struct en_seg_eval *e, char *err, size_t errlen)
{
    const char *p[] = {e->seg->name, e->seg->tenant, e->since};
    PGresult *res = en_pg_query(e->conn, strangers, 3, p, err, errlen);
    if (!res) return -1;
    for (int i = 0; i < PQntuples(res); i++)
        en_seg_diff_add(e->diff, PQgetvalue(res, i, 0), false);
    PQclear(res);
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
        last_id(res, after, sizeof after);
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
    return rc == 0 && e->seg->tenant ? leave_strangers(e, err, errlen) : rc;
}
