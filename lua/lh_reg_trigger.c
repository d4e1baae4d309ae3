/*
 * lh_reg_trigger.c - `on "event.type"` and `in_segment "name"`: trigger values
 *
 * A trigger is what a journey's entry, exit and goal options hold. It is a
 * userdata (so a script cannot change it after the fact) of metatable
 * LH_TRIGGER_MT: the event type or segment name is user value 1, the
 * optional `where` filter of on(type, {where = fn}) user value 2. The
 * journey that uses a trigger keeps a reference; the engine reaches the
 * filter through lh_reg_push_filter.
 */
#include "lh_reg_int.h"

#include <string.h>

#include <lauxlib.h>

#include "events.h"

struct trigger {
    enum lh_trigger_kind kind;
};

static void
push_trigger(lua_State *L, enum lh_trigger_kind kind, int name, int where)
{
    struct trigger *t = lua_newuserdatauv(L, sizeof *t, 2);
    t->kind = kind;
    lua_pushvalue(L, name);
    lua_setiuservalue(L, -2, 1);
    if (where) {
        lua_pushvalue(L, where);
        lua_setiuservalue(L, -2, 2);
    }
    luaL_setmetatable(L, LH_TRIGGER_MT);
}

static void
set_on_option(lua_State *L, const struct lh_regctx *c, const char *key, int val)
{
    (void)key; /* only "where" is known */
    if (!lua_isfunction(L, val))
        lh_reg_fail(L, c, "where must be a function(event), got %s", luaL_typename(L, val));
}

/* on(type [, {where = fn}]) */
static int
reg_on(lua_State *L)
{
    static const char *const known[] = {"where", NULL};
    struct lh_regctx c = {.what = "on"};
    lh_reg_where(L, &c.at);
    if (lua_type(L, 1) != LUA_TSTRING)
        lh_reg_fail(L, &c, "expected an event type like \"order.placed\", got %s",
                    luaL_typename(L, 1));
    const char *why = ev_type_problem(lua_tostring(L, 1));
    if (why) lh_reg_fail(L, &c, "\"%.70s\": %s", lua_tostring(L, 1), why);
    int where = 0;
    if (!lua_isnoneornil(L, 2)) {
        lh_reg_walk_options(L, &c, 2, NULL, known, set_on_option);
        if (lua_getfield(L, 2, "where") == LUA_TFUNCTION) where = lua_gettop(L);
    }
    push_trigger(L, LH_TRIGGER_EVENT, 1, where);
    return 1;
}

/* in_segment(name) */
static int
reg_in_segment(lua_State *L)
{
    struct lh_regctx c = {.what = "in_segment"};
    lh_reg_where(L, &c.at);
    lh_reg_check_name(L, &c, 1, "segment");
    if (lua_gettop(L) > 1) lh_reg_fail(L, &c, "takes one segment name");
    push_trigger(L, LH_TRIGGER_SEGMENT, 1, 0);
    return 1;
}

static int
trigger_tostring(lua_State *L)
{
    const struct trigger *t = luaL_checkudata(L, 1, LH_TRIGGER_MT);
    lua_getiuservalue(L, 1, 1);
    lua_pushfstring(L, "%s \"%s\"", t->kind == LH_TRIGGER_EVENT ? "on" : "in_segment",
                    lua_tostring(L, -1));
    return 1;
}

int
lh_reg_is_trigger(lua_State *L, int idx, enum lh_trigger_kind *kind)
{
    const struct trigger *t = luaL_testudata(L, idx, LH_TRIGGER_MT);
    if (t && kind) *kind = t->kind;
    return t != NULL;
}

void
lh_reg_trigger_register(lua_State *L, int proto)
{
    luaL_newmetatable(L, LH_TRIGGER_MT);
    lua_pushcfunction(L, trigger_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable"); /* hidden from getmetatable */
    lua_pop(L, 1);
    lua_pushcfunction(L, reg_on);
    lua_setfield(L, proto, "on");
    lua_pushcfunction(L, reg_in_segment);
    lua_setfield(L, proto, "in_segment");
}
