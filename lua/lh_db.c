/*
 * lh_db.c - db.query(sql, ...): read-only, parameterized SQL for scripts
 *
 * SYNOPSIS
 *     local rows, err = db.query("SELECT email FROM contacts WHERE tenant = $1", "default")
 *
 * DESCRIPTION
 *     Each call leases a connection from the generation's db_pool (lh.h's
 *     services), runs the one statement with PQsendQueryParams ($1..$n;
 *     several statements are refused by the server) inside BEGIN READ ONLY
 *     with a SET LOCAL statement_timeout, always rolls back (so even a SET
 *     in the statement leaves the pooled session as it was) and gives the
 *     connection back. Rows arrive in single-row mode and become Lua
 *     tables as they come, so at most LH_DB_MAX_ROWS rows are ever held.
 *
 *     The statement timeout is the service's (default 2000 ms) but never
 *     more than what is left of the running call's time budget: the Lua
 *     time limit cannot interrupt C, so the timeout is what bounds a query.
 *
 *     Column types: int2/int4/int8/oid -> integer, float4/float8/numeric ->
 *     number, bool -> boolean, json/jsonb -> tables (lh_json), others ->
 *     strings; SQL NULL leaves the key out of the row.
 *
 * DIAGNOSTICS
 *     Misuse raises: "db.query: the SQL must be a string, got nil",
 *     "db.query: argument #3 ($2): a table cannot be a parameter".
 *     Operational failures return nil and one line: "db.query: ERROR:
 *     cannot execute INSERT in a read-only transaction", "db.query: no
 *     database in this context", "db.query: more than 10000 rows".
 *
 * Uses the public Lua API, lib/db (the pool) and libpq; lh_int.h for the
 * state's services and deadline.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <lauxlib.h>
#include <libpq-fe.h>

#include "db.h"
#include "jsonr.h"
#include "lh_int.h"
#include "lh_json.h"

#define LH_DB_MAX_ROWS     10000
#define LH_DB_MAX_PARAMS   1000
#define DEFAULT_TIMEOUT_MS 2000

/* Postgres type OIDs (pg_type.dat); stable across releases. */
enum {
    OID_BOOL = 16,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_OID = 26,
    OID_JSON = 114,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_NUMERIC = 1700,
    OID_JSONB = 3802,
};

/* One call's resources, owned by a guard so an error cannot leak them. */
struct query {
    struct db_pool *pool;
    PGconn *conn;
    PGresult *res;
    json_t *cell; /* a json column's value while it is pushed */
};

static void
query_free(void *p)
{
    struct query *q = p;
    json_decref(q->cell);
    PQclear(q->res);
    db_release(q->pool, q->conn); /* mid-query or in a transaction: closed, reopened later */
    free(q);
}

/*
 * ---------------------------------------------------------------
 * Lua -> parameters
 * ---------------------------------------------------------------
 */

/* Text of the parameter at stack index `idx`, NULL for nil; raises on other types. */
static const char *
param_text(lua_State *L, int idx)
{
    char num[64];
    size_t len;
    switch (lua_type(L, idx)) {
    case LUA_TNIL: return NULL;
    case LUA_TSTRING:
        if (strlen(lua_tolstring(L, idx, &len)) != len)
            luaL_error(L, "db.query: argument #%d ($%d) contains a NUL byte", idx, idx - 1);
        return lua_tostring(L, idx);
    case LUA_TBOOLEAN: return lua_toboolean(L, idx) ? "true" : "false";
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            snprintf(num, sizeof num, "%lld", (long long)lua_tointeger(L, idx));
        else
            snprintf(num, sizeof num, "%.17g", (double)lua_tonumber(L, idx));
        lua_pushstring(L, num);
        lua_replace(L, idx); /* keep the text alive on the stack */
        return lua_tostring(L, idx);
    default:
        luaL_error(L, "db.query: argument #%d ($%d): a %s cannot be a parameter%s", idx, idx - 1,
                   luaL_typename(L, idx),
                   lua_istable(L, idx) ? " (json.encode it and cast: $n::jsonb)" : "");
        return NULL;
    }
}

/* The parameter array, in a userdata the collector frees. */
static const char **
params(lua_State *L, int n)
{
    if (n > LH_DB_MAX_PARAMS)
        luaL_error(L, "db.query: %d parameters is over the limit of %d", n, LH_DB_MAX_PARAMS);
    const char **v = lua_newuserdatauv(L, sizeof *v * (size_t)(n ? n : 1), 0);
    for (int i = 0; i < n; i++)
        v[i] = param_text(L, i + 2);
    return v;
}

/*
 * ---------------------------------------------------------------
 * a row -> Lua
 * ---------------------------------------------------------------
 */

static int
push_json_cell(lua_State *L, struct query *q, int col, char *err, size_t errlen)
{
    json_error_t jerr;
    const char *name = PQfname(q->res, col);
    q->cell = jsonr_loads(PQgetvalue(q->res, 0, col), JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!q->cell) {
        snprintf(err, errlen, "db.query: column %s: %s", name, jerr.text);
        return -1;
    }
    char what[96];
    snprintf(what, sizeof what, "db.query: column %s", name);
    int rc = lh_json_check_depth(q->cell, what, err, errlen);
    if (rc == 0) lh_json_push(L, q->cell);
    json_decref(q->cell);
    q->cell = NULL;
    return rc;
}

/* Push the value of one cell; -1 with err for a json cell that cannot be pushed. */
static int
push_cell(lua_State *L, struct query *q, int col, char *err, size_t errlen)
{
    const char *text = PQgetvalue(q->res, 0, col);
    switch (PQftype(q->res, col)) {
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID: lua_pushinteger(L, (lua_Integer)strtoll(text, NULL, 10)); break;
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC: lua_pushnumber(L, (lua_Number)strtod(text, NULL)); break;
    case OID_BOOL: lua_pushboolean(L, text[0] == 't'); break;
    case OID_JSON:
    case OID_JSONB: return push_json_cell(L, q, col, err, errlen);
    default: lua_pushlstring(L, text, (size_t)PQgetlength(q->res, 0, col)); break;
    }
    return 0;
}

/* Append the single row in `res` to the table on top. */
static int
push_row(lua_State *L, struct query *q, lua_Integer n, char *err, size_t errlen)
{
    int ncols = PQnfields(q->res);
    lua_createtable(L, 0, ncols);
    for (int c = 0; c < ncols; c++) {
        if (PQgetisnull(q->res, 0, c)) continue; /* NULL: the key is absent */
        if (push_cell(L, q, c, err, errlen) < 0) {
            lua_pop(L, 1);
            return -1;
        }
        lua_setfield(L, -2, PQfname(q->res, c));
    }
    lua_rawseti(L, -2, n);
    return 0;
}

/*
 * ---------------------------------------------------------------
 * the round trips
 * ---------------------------------------------------------------
 */

/* The statement timeout: the service's, cut to the call's remaining budget. */
static unsigned
timeout_ms(const struct lh_state *st)
{
    unsigned ms = st->gen->svc.db_timeout_ms ? st->gen->svc.db_timeout_ms : DEFAULT_TIMEOUT_MS;
    int64_t left = ((int64_t)st->budget_ms * 1000000 - lh_watch_used(st)) / 1000000;
    if (st->depth > 0 && left < (int64_t)ms) ms = left > 1 ? (unsigned)left : 1;
    return ms;
}

static int
fail_pq(struct query *q, const PGresult *res, char *err, size_t errlen)
{
    char why[480];
    snprintf(err, errlen, "db.query: %s", db_error(q->conn, res, why, sizeof why));
    return -1;
}

static int
begin(struct query *q, unsigned ms, char *err, size_t errlen)
{
    char sql[96];
    snprintf(sql, sizeof sql, "BEGIN READ ONLY; SET LOCAL statement_timeout = %u", ms);
    PGresult *res = PQexec(q->conn, sql);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : fail_pq(q, res, err, errlen);
    PQclear(res);
    return rc;
}

/* Stop a query still sending rows, and read what is left. */
static void
drain(struct query *q, bool cancel)
{
    if (cancel) {
        char why[128];
        PGcancel *c = PQgetCancel(q->conn);
        if (c) PQcancel(c, why, sizeof why);
        PQfreeCancel(c);
    }
    PQclear(q->res);
    while ((q->res = PQgetResult(q->conn)) != NULL)
        PQclear(q->res);
}

/* Read the rows into the table on top; 0 or -1 with err. */
static int
collect(lua_State *L, struct lh_state *st, struct query *q, char *err, size_t errlen)
{
    lua_Integer n = 0;
    for (;;) {
        PQclear(q->res);
        q->res = PQgetResult(q->conn);
        if (!q->res) return 0;
        switch (PQresultStatus(q->res)) {
        case PGRES_SINGLE_TUPLE:
            if (n == LH_DB_MAX_ROWS) {
                drain(q, true);
                snprintf(err, errlen, "db.query: more than %d rows (add a LIMIT)", LH_DB_MAX_ROWS);
                return -1;
            }
            if (atomic_load(&st->fired)) {
                drain(q, true);
                snprintf(err, errlen, "db.query: time limit exceeded (%u ms)", st->budget_ms);
                return -1;
            }
            if (push_row(L, q, ++n, err, errlen) < 0) {
                drain(q, true);
                return -1;
            }
            break;
        case PGRES_TUPLES_OK:
        case PGRES_COMMAND_OK: break; /* the end of the rows, or a statement without any */
        default:
            fail_pq(q, q->res, err, errlen);
            drain(q, false);
            return -1;
        }
    }
}

/*
 * End the transaction (a script's COMMIT may already have) and give the
 * connection back. Rolling back undoes a SET; session advisory locks
 * outlive it, and one left held would stop the engine's segment refreshes
 * (they take such locks) for as long as the pooled connection lives.
 */
static void
finish(struct query *q)
{
    PGTransactionStatusType ts = PQtransactionStatus(q->conn);
    bool open = ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
    PQclear(PQexec(q->conn, open ? "ROLLBACK; SELECT pg_advisory_unlock_all()"
                                 : "SELECT pg_advisory_unlock_all()"));
    db_release(q->pool, q->conn);
    q->conn = NULL;
}

static int
push_failure(lua_State *L, const char *err)
{
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
}

static int
run_query(lua_State *L)
{
    char err[512];
    size_t len;
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_error(L, "db.query: the SQL must be a string, got %s", luaL_typename(L, 1));
    const char *sql = lua_tolstring(L, 1, &len);
    if (strspn(sql, " \t\r\n") == len) return luaL_error(L, "db.query: the SQL is empty");
    if (strlen(sql) != len) return luaL_error(L, "db.query: the SQL contains a NUL byte");
    int n = lua_gettop(L) - 1;
    const char **values = params(L, n);
    struct lh_state *st = lh_from(L);
    if (!st->gen->svc.db) return push_failure(L, "db.query: no database in this context");
    lh_watch_query_start(st); /* from here on it waits: for a connection, for PostgreSQL */
    unsigned ms = timeout_ms(st);
    struct lh_guard *g = lh_guard_push(L, query_free);
    struct query *q = calloc(1, sizeof *q);
    if (!q) return luaL_error(L, "db.query: out of memory");
    g->p = q;
    q->pool = st->gen->svc.db;
    char why[400];
    if (!(q->conn = db_lease(q->pool, ms, why, sizeof why))) {
        snprintf(err, sizeof err, "db.query: %s", why);
        return push_failure(L, err);
    }
    if (begin(q, timeout_ms(st), err, sizeof err) < 0) /* what the lease wait left */
        return push_failure(L, err);
    int rc = -1;
    lua_newtable(L);
    if (!PQsendQueryParams(q->conn, sql, n, NULL, values, NULL, NULL, 0))
        fail_pq(q, NULL, err, sizeof err);
    else if (PQsetSingleRowMode(q->conn))
        rc = collect(L, st, q, err, sizeof err);
    else {
        drain(q, true);
        snprintf(err, sizeof err, "db.query: cannot read the rows one at a time");
    }
    finish(q);
    return rc == 0 ? 1 : push_failure(L, err);
}

/* The query's time off the CPU (waiting for a connection, for PostgreSQL) counts toward the
 * call's budget, which otherwise counts the thread's CPU time (lh_watch.c). run_query starts
 * the count once the arguments are checked, so a bad call caught by a pcall costs nothing; a
 * Lua error after that (out of memory) leaves the query counted as running, and the rest of
 * that call is charged wall-clock time. */
static int
l_query(lua_State *L)
{
    struct lh_state *st = lh_from(L);
    int n = run_query(L);
    lh_watch_query_end(st);
    return n;
}

/* Install `db` into the prototype. */
void
lh_db_register(lua_State *L, int proto)
{
    static const luaL_Reg fns[] = {{"query", l_query}, {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_setfield(L, proto, "db");
}
