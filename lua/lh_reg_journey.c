/*
 * lh_reg_journey.c - `journey "name" { options }`: a journey and its step table
 *
 * `journey "welcome"` checks the name and returns a function taking the
 * options; that function validates every option, records the journey and
 * returns the journey table j, on which the script defines its steps
 * (function j.start(c) ... end). j refuses, at the assignment, a field
 * that is not a step function or whose name is not a Lua name, so the
 * error carries the line of the assignment; lh_reg_validate repeats the
 * check after loading, for values stored with rawset.
 *
 * Record fields: name file line j entry exit goal (sequences of
 * triggers) reentry cooldown category priority [start_min end_min] days
 * [tenants].
 */
#include "lh_reg_int.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

/* The triggers an option accepts. */
enum { EVENTS_ONLY, EVENTS_OR_SEGMENTS };

/* The value at `idx` (element `pos` of option `opt`, 0: the option itself) must be a trigger. */
static void
check_trigger(lua_State *L, const struct lh_regctx *c, const char *opt, int idx, int pos,
              int accepts)
{
    const char *want =
        accepts == EVENTS_ONLY ? "on \"event.type\"" : "on \"event.type\" or in_segment \"name\"";
    char at[24] = "";
    enum lh_trigger_kind kind;
    if (pos) snprintf(at, sizeof at, "[%d]", pos);
    if (!lh_reg_is_trigger(L, idx, &kind))
        lh_reg_fail(L, c, "%s%s must be %s%s, got %s", opt, at, want,
                    pos ? "" : " (or a list of them)", luaL_typename(L, idx));
    if (accepts == EVENTS_ONLY && kind != LH_TRIGGER_EVENT)
        lh_reg_fail(L, c, "%s%s must be %s, not in_segment", opt, at, want);
}

/* Store option `opt` (at `val`: one trigger or a sequence) as a sequence of triggers. */
static void
set_triggers(lua_State *L, const struct lh_regctx *c, const char *opt, int val, int accepts)
{
    lua_newtable(L);
    if (!lua_istable(L, val) || lua_rawlen(L, val) == 0) {
        check_trigger(L, c, opt, val, 0, accepts);
        lua_pushvalue(L, val);
        lua_rawseti(L, -2, 1);
    } else {
        for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, val); i++) {
            lua_rawgeti(L, val, i);
            check_trigger(L, c, opt, lua_gettop(L), (int)i, accepts);
            lua_rawseti(L, -2, i);
        }
    }
    lua_setfield(L, c->rec, opt);
}

/* reentry = "never" | "always" | a cool-down duration */
static void
set_reentry(lua_State *L, const struct lh_regctx *c, int val)
{
    int how = LH_REENTRY_COOLDOWN;
    if (lua_type(L, val) != LUA_TSTRING)
        lh_reg_fail(L, c,
                    "reentry must be \"never\", \"always\" or a cool-down like \"30d\", got %s",
                    luaL_typename(L, val));
    const char *s = lua_tostring(L, val);
    if (strcmp(s, "never") == 0) how = LH_REENTRY_NEVER;
    if (strcmp(s, "always") == 0) how = LH_REENTRY_ALWAYS;
    if (how == LH_REENTRY_COOLDOWN) {
        lua_pushinteger(L, lh_reg_duration(L, c, val, "reentry"));
        lua_setfield(L, c->rec, "cooldown");
    }
    lua_pushinteger(L, how);
    lua_setfield(L, c->rec, "reentry");
}

static void
set_priority(lua_State *L, const struct lh_regctx *c, int val)
{
    int isint = 0;
    lua_Integer p = lua_tointegerx(L, val, &isint);
    if (lua_type(L, val) != LUA_TNUMBER || !isint || p < 0 || p > 100)
        lh_reg_fail(L, c, "priority must be an integer in 0..100, got %s",
                    lua_type(L, val) == LUA_TNUMBER ? lua_tostring(L, val) : luaL_typename(L, val));
    lua_pushinteger(L, p);
    lua_setfield(L, c->rec, "priority");
}

/* tenant = "nl" | { "nl", "be" } */
static void
set_tenants(lua_State *L, const struct lh_regctx *c, int val)
{
    lua_Integer n = lua_type(L, val) == LUA_TSTRING ? 1
                    : lua_istable(L, val)           ? (lua_Integer)lua_rawlen(L, val)
                                                    : 0;
    if (n == 0)
        lh_reg_fail(L, c, "tenant must be a tenant name or a list of them, got %s",
                    luaL_typename(L, val));
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_type(L, val) == LUA_TSTRING)
            lua_pushvalue(L, val);
        else
            lua_rawgeti(L, val, i);
        lh_reg_check_tenant_name(L, c, -1);
        lua_rawseti(L, -2, i);
    }
    lua_setfield(L, c->rec, "tenants");
}

static void
set_journey_option(lua_State *L, const struct lh_regctx *c, const char *key, int val)
{
    static const char *const categories[] = {"marketing", "transactional", NULL};
    if (strcmp(key, "entry") == 0)
        set_triggers(L, c, key, val, EVENTS_OR_SEGMENTS);
    else if (strcmp(key, "exit") == 0 || strcmp(key, "goal") == 0)
        set_triggers(L, c, key, val, EVENTS_ONLY);
    else if (strcmp(key, "reentry") == 0)
        set_reentry(L, c, val);
    else if (strcmp(key, "priority") == 0)
        set_priority(L, c, val);
    else if (strcmp(key, "window") == 0)
        lh_reg_window(L, c, val);
    else if (strcmp(key, "tenant") == 0)
        set_tenants(L, c, val);
    else {
        lua_pushinteger(L, lh_reg_choice(L, c, val, "category", categories));
        lua_setfield(L, c->rec, "category");
    }
}

/* __newindex of j (upvalue 1: the journey name): only step functions. */
static int
step_newindex(lua_State *L)
{
    const char *journey = lua_tostring(L, lua_upvalueindex(1));
    if (lua_type(L, 2) != LUA_TSTRING)
        return luaL_error(L, "journey \"%s\": step names must be strings, got %s", journey,
                          luaL_typename(L, 2));
    const char *why = lh_reg_name_problem(lua_tostring(L, 2), 1);
    if (why)
        return luaL_error(L, "journey \"%s\": step name \"%s\" %s", journey, lua_tostring(L, 2),
                          why);
    if (!lua_isfunction(L, 3))
        return luaL_error(L, "journey \"%s\": j.%s must be a step function, got %s", journey,
                          lua_tostring(L, 2), luaL_typename(L, 3));
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 0;
}

/* The journey table j with its guarding metatable. */
static void
push_step_table(lua_State *L, int name)
{
    lua_newtable(L);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, name);
    lua_pushcclosure(L, step_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

static void
set_defaults(lua_State *L, int rec)
{
    lua_pushinteger(L, LH_REENTRY_NEVER);
    lua_setfield(L, rec, "reentry");
    lua_pushinteger(L, LH_CATEGORY_MARKETING);
    lua_setfield(L, rec, "category");
    lua_pushinteger(L, 50);
    lua_setfield(L, rec, "priority");
    lua_pushinteger(L, 0x7f);
    lua_setfield(L, rec, "days");
}

static int
journey_options(lua_State *L)
{
    static const char *const known[] = {"entry",    "exit",   "goal",   "reentry", "category",
                                        "priority", "window", "tenant", NULL};
    struct lh_regctx c;
    lh_reg_ctx_from_upvalues(L, &c, "journey");
    lua_settop(L, 1);
    lh_reg_new_record(L, &c);
    set_defaults(L, c.rec);
    lh_reg_walk_options(L, &c, 1, NULL, known, set_journey_option);
    lh_reg_folder_tenant(L, &c, "tenants", true);
    if (lua_getfield(L, c.rec, "entry") == LUA_TNIL)
        lh_reg_fail(L, &c, "entry is required (on \"event.type\" or in_segment \"name\")");
    lua_pop(L, 1);
    lh_reg_claim_name(L, &c, REG_JOURNEY_NAMES, c.rec);
    push_step_table(L, lua_upvalueindex(1));
    lua_pushvalue(L, -1);
    lua_setfield(L, c.rec, "j");
    lh_reg_append(L, REG_JOURNEYS, c.rec);
    return 1;
}

int
lh_reg_journey(lua_State *L)
{
    return lh_reg_named(L, "journey", journey_options);
}
