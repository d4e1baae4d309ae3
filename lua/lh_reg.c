/*
 * lh_reg.c - the registration functions `segment`, `policy` and `hook`, and
 * the registry root they (and `journey`, `on`, `in_segment`) record into
 *
 * Each function validates its arguments completely at the call, so a bad
 * script fails its reload with the file:line of the call; the record it
 * stores holds normalised values only (seconds, enums, bit masks). See
 * lh_reg_int.h for the layout.
 */
#include "lh_reg_int.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "sqlcond.h"

const char lh_reg_root_key = 0;

/*
 * ---------------------------------------------------------------
 * the root and its records
 * ---------------------------------------------------------------
 */

int
lh_reg_slot(lua_State *L, int slot)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &lh_reg_root_key);
    int t = lua_rawgeti(L, -1, slot);
    lua_remove(L, -2);
    return t;
}

void
lh_reg_append(lua_State *L, int slot, int rec)
{
    lh_reg_slot(L, slot);
    lua_pushvalue(L, rec);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 1);
}

void
lh_reg_where(lua_State *L, struct lh_where *w)
{
    lua_Debug ar;
    snprintf(w->file, sizeof w->file, "?");
    w->line = 0;
    if (!lua_getstack(L, 1, &ar) || !lua_getinfo(L, "Sl", &ar)) return;
    snprintf(w->file, sizeof w->file, "%s", ar.source[0] == '@' ? ar.source + 1 : ar.short_src);
    w->line = ar.currentline;
}

static void
set_where(lua_State *L, int rec, const struct lh_where *w)
{
    lua_pushstring(L, w->file);
    lua_setfield(L, rec, "file");
    lua_pushinteger(L, w->line);
    lua_setfield(L, rec, "line");
}

/* Refuse a second registration of `name` in names slot `slot`; else claim it for `rec`. */
void
lh_reg_claim_name(lua_State *L, const struct lh_regctx *c, int slot, int rec)
{
    lh_reg_slot(L, slot);
    if (lua_getfield(L, -1, c->name) == LUA_TTABLE) {
        lua_getfield(L, -1, "file");
        lua_getfield(L, -2, "line");
        lh_reg_fail(L, c, "is already defined at %s:%d", lua_tostring(L, -2),
                    (int)lua_tointeger(L, -1));
    }
    lua_pop(L, 1);
    lua_pushvalue(L, rec);
    lua_setfield(L, -2, c->name);
    lua_pop(L, 1);
}

/*
 * Registrations happen while the scripts load. One made later, from a
 * step or a hook, would exist in one state of the pool but not in the
 * others, so it is refused.
 */
void
lh_reg_check_open(lua_State *L, const struct lh_regctx *c)
{
    if (lh_reg_slot(L, REG_SEALED) == LUA_TBOOLEAN)
        lh_reg_fail(L, c,
                    "registrations are only allowed while the scripts load (at the top "
                    "level of a file), not from a step or a hook");
    lua_pop(L, 1);
}

/* Start a record for a registration of kind c->what called `name` (upvalues 1-3). */
void
lh_reg_ctx_from_upvalues(lua_State *L, struct lh_regctx *c, const char *what)
{
    c->what = what;
    c->name = lua_tostring(L, lua_upvalueindex(1));
    snprintf(c->at.file, sizeof c->at.file, "%s", lua_tostring(L, lua_upvalueindex(2)));
    c->at.line = (int)lua_tointeger(L, lua_upvalueindex(3));
    lh_reg_check_open(L, c);
}

/* Return `fn` closed over argument 1 (a name or kind) and where it was given. */
static int
close_over_name(lua_State *L, const struct lh_where *at, lua_CFunction fn)
{
    lua_settop(L, 1);
    lua_pushstring(L, at->file);
    lua_pushinteger(L, at->line);
    lua_pushcclosure(L, fn, 3);
    return 1;
}

/*
 * `journey "x"` and `segment "x"`: check the name, then return a function
 * that takes the options, remembering the name and where it was given.
 */
int
lh_reg_named(lua_State *L, const char *what, lua_CFunction options)
{
    struct lh_regctx c = {.what = what};
    lh_reg_where(L, &c.at);
    lh_reg_check_open(L, &c);
    lh_reg_check_name(L, &c, 1, what);
    return close_over_name(L, &c.at, options);
}

/* A new record at the top of the stack for `c`; sets c->rec. */
void
lh_reg_new_record(lua_State *L, struct lh_regctx *c)
{
    lua_newtable(L);
    c->rec = lua_gettop(L);
    if (c->name) {
        lua_pushstring(L, c->name);
        lua_setfield(L, c->rec, "name");
    }
    set_where(L, c->rec, &c->at);
}

/*
 * ---------------------------------------------------------------
 * segment "name" { sql = "..." }  |  { where = fn, refresh = "1h" }, [tenant = "nl"]
 * ---------------------------------------------------------------
 */

static void
set_segment_option(lua_State *L, const struct lh_regctx *c, const char *key, int val)
{
    char why[128];
    if (strcmp(key, "sql") == 0) {
        if (lua_type(L, val) != LUA_TSTRING || lua_rawlen(L, val) == 0)
            lh_reg_fail(L, c, "sql must be a non-empty string (an SQL condition on contacts)");
        if (sqlcond_problem(lua_tostring(L, val), lua_rawlen(L, val), why, sizeof why))
            lh_reg_fail(L, c, "sql: %s", why);
    } else if (strcmp(key, "tenant") == 0) {
        lh_reg_check_tenant_name(L, c, val);
    } else if (strcmp(key, "where") == 0) {
        if (!lua_isfunction(L, val))
            lh_reg_fail(L, c, "where must be a function(contact), got %s", luaL_typename(L, val));
    } else {
        lua_pushinteger(L, lh_reg_duration(L, c, val, "refresh"));
        lua_setfield(L, c->rec, "refresh");
        return;
    }
    lua_pushvalue(L, val);
    lua_setfield(L, c->rec, key);
}

static int
segment_options(lua_State *L)
{
    static const char *const known[] = {"sql", "where", "refresh", "tenant", NULL};
    struct lh_regctx c;
    lh_reg_ctx_from_upvalues(L, &c, "segment");
    lh_reg_new_record(L, &c);
    lua_pushinteger(L, 3600);
    lua_setfield(L, c.rec, "refresh");
    lh_reg_walk_options(L, &c, 1, NULL, known, set_segment_option);
    lh_reg_folder_tenant(L, &c, "tenant", false); /* scripts/nl/...: tenant "nl" */
    bool sql = lua_getfield(L, c.rec, "sql") != LUA_TNIL;
    bool where = lua_getfield(L, c.rec, "where") != LUA_TNIL;
    lua_pop(L, 2);
    if (sql == where)
        lh_reg_fail(L, &c,
                    "needs exactly one of sql = \"...\" (evaluated in PostgreSQL) or "
                    "where = function(contact) (evaluated in Lua)");
    lh_reg_claim_name(L, &c, REG_SEGMENT_NAMES, c.rec);
    lh_reg_append(L, REG_SEGMENTS, c.rec);
    return 0;
}

static int
reg_segment(lua_State *L)
{
    return lh_reg_named(L, "segment", segment_options);
}

/*
 * ---------------------------------------------------------------
 * policy { caps = { marketing = {...} }, on_cap = "defer" | "skip" }
 * ---------------------------------------------------------------
 */

static void
set_policy_option(lua_State *L, const struct lh_regctx *c, const char *key, int val)
{
    static const char *const on_cap[] = {"defer", "skip", NULL}; /* enum lh_on_cap order */
    if (strcmp(key, "caps") == 0) {
        lh_reg_caps(L, c, val);
        return;
    }
    lua_pushinteger(L, lh_reg_choice(L, c, val, "on_cap", on_cap));
    lua_setfield(L, c->rec, "on_cap");
}

static int
reg_policy(lua_State *L)
{
    static const char *const known[] = {"caps", "on_cap", NULL};
    struct lh_regctx c = {.what = "policy"};
    lh_reg_where(L, &c.at);
    lh_reg_check_open(L, &c);
    lua_settop(L, 1);
    lh_reg_new_record(L, &c);
    lh_reg_walk_options(L, &c, 1, NULL, known, set_policy_option);
    if (lh_reg_slot(L, REG_POLICY) == LUA_TTABLE) {
        lua_getfield(L, -1, "file");
        lua_getfield(L, -2, "line");
        lh_reg_fail(L, &c, "a policy is already defined at %s:%d (there is one policy)",
                    lua_tostring(L, -2), (int)lua_tointeger(L, -1));
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &lh_reg_root_key);
    lua_pushvalue(L, c.rec);
    lua_rawseti(L, -2, REG_POLICY);
    return 0;
}

/*
 * ---------------------------------------------------------------
 * hook "message" (fn)
 * ---------------------------------------------------------------
 */

static int
hook_function(lua_State *L)
{
    struct lh_regctx c;
    lh_reg_ctx_from_upvalues(L, &c, "hook");
    if (!lua_isfunction(L, 1))
        lh_reg_fail(L, &c, "expected a function(m), got %s", luaL_typename(L, 1));
    lh_reg_new_record(L, &c);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_setfield(L, c.rec, "kind");
    lua_pushvalue(L, 1);
    lua_setfield(L, c.rec, "fn");
    lh_reg_append(L, REG_HOOKS, c.rec);
    return 0;
}

static int
reg_hook(lua_State *L)
{
    struct lh_regctx c = {.what = "hook"};
    lh_reg_where(L, &c.at);
    lh_reg_check_open(L, &c);
    if (lua_type(L, 1) != LUA_TSTRING)
        lh_reg_fail(L, &c, "expected a hook kind like \"message\", got %s", luaL_typename(L, 1));
    if (strcmp(lua_tostring(L, 1), "message") != 0)
        lh_reg_fail(L, &c, "unknown hook kind \"%.60s\" (known: message)", lua_tostring(L, 1));
    return close_over_name(L, &c.at, hook_function);
}

/*
 * ---------------------------------------------------------------
 * installing
 * ---------------------------------------------------------------
 */

void
lh_reg_register(lua_State *L, int proto)
{
    static const luaL_Reg fns[] = {
        {"journey", lh_reg_journey},
        {"segment", reg_segment},
        {"policy", reg_policy},
        {"hook", reg_hook},
        {NULL, NULL},
    };
    proto = lua_absindex(L, proto);
    lua_createtable(L, REG_HOOKS, 0);
    for (int slot = REG_JOURNEYS; slot <= REG_HOOKS; slot++) {
        if (slot == REG_POLICY) continue; /* nil until a policy is registered */
        lua_newtable(L);
        lua_rawseti(L, -2, slot);
    }
    lua_rawsetp(L, LUA_REGISTRYINDEX, &lh_reg_root_key);
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, proto, f->name);
    }
    lh_reg_trigger_register(L, proto);
}
