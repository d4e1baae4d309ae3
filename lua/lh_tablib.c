/*
 * lh_tablib.c - table.insert/remove/concat/move/sort with bounded loops
 *
 * The stock functions loop in C over a length that __len, or a sparse
 * table's border, may put at 2^40; a hook cannot stop a C loop, so one call
 * could hold a worker forever. These versions keep the manual's semantics
 * (metamethods included) but read the length once and refuse to walk more
 * than limits.table_span elements. table.sort keeps the stock algorithm: it
 * is only called on tables without __len (so the length it reads is the one
 * checked here) and at most limits.sort_len long, since sorting a million
 * strings takes most of a second in C.
 */
#include "lh_int.h"

#include <lauxlib.h>

static void
check_max(lua_State *L, const char *fn, lua_Unsigned n, size_t max)
{
    if (n > max)
        luaL_error(L, "table.%s: %I elements is over the limit of %I", fn, (lua_Integer)n,
                   (lua_Integer)max);
}

static void
check_span(lua_State *L, const char *fn, lua_Unsigned n)
{
    check_max(L, fn, n, lh_from(L)->pool->lim.table_span);
}

/* Length of the table at 1 via __len if any, read once. */
static lua_Integer
length(lua_State *L, const char *fn)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 1);
    if (n < 0 || n == LUA_MAXINTEGER) luaL_error(L, "table.%s: invalid table length", fn);
    return n;
}

static int
tinsert(lua_State *L)
{
    lua_Integer e = length(L, "insert") + 1; /* first empty slot */
    lua_Integer pos = e;
    switch (lua_gettop(L)) {
    case 2: break;
    case 3:
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
        check_span(L, "insert", (lua_Unsigned)(e - pos));
        for (lua_Integer i = e; i > pos; i--) { /* shift up */
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
        }
        break;
    default: return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

static int
tremove(lua_State *L)
{
    lua_Integer size = length(L, "remove");
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size)
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    if (pos < size) check_span(L, "remove", (lua_Unsigned)(size - pos));
    lua_geti(L, 1, pos);        /* the result */
    for (; pos < size; pos++) { /* shift down */
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

static void
concat_field(lua_State *L, luaL_Buffer *b, lua_Integer i)
{
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1)) luaL_error(L, "invalid value (at index %I) in table for 'concat'", i);
    luaL_addvalue(b);
}

static int
tconcat(lua_State *L)
{
    size_t lsep;
    luaL_checktype(L, 1, LUA_TTABLE);
    const char *sep = luaL_optlstring(L, 2, "", &lsep);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    lua_Integer last = lua_isnoneornil(L, 4) ? length(L, "concat") : luaL_checkinteger(L, 4);
    luaL_Buffer b;
    if (i <= last) check_span(L, "concat", (lua_Unsigned)last - (lua_Unsigned)i + 1u);
    luaL_buffinit(L, &b);
    for (; i < last; i++) {
        concat_field(L, &b, i);
        luaL_addlstring(&b, sep, lsep);
    }
    if (i == last) concat_field(L, &b, i);
    luaL_pushresult(&b);
    return 1;
}

static int
tmove(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int tt = !lua_isnoneornil(L, 5) ? 5 : 1; /* destination table */
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, tt, LUA_TTABLE);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f; /* elements to move, minus one */
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n, 4, "destination wrap around");
        check_span(L, "move", (lua_Unsigned)n + 1u);
        if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
            for (lua_Integer i = 0; i <= n; i++) { /* no overlap to the right: forwards */
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        } else {
            for (lua_Integer i = n; i >= 0; i--) {
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        }
    }
    lua_pushvalue(L, tt);
    return 1;
}

/*
 * table.sort's default order, under the time limit: the stock sort
 * compares in C, where no hook runs, and comparing thousands of long equal
 * strings takes minutes.
 */
static int
sort_lt(lua_State *L)
{
    struct lh_state *st = lh_from(L);
    if (atomic_load(&st->fired)) return luaL_error(L, "time limit exceeded (%u ms)", st->budget_ms);
    lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
    return 1;
}

/* Upvalue 1: the stock table.sort. */
static int
tsort(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
    if (luaL_getmetafield(L, 1, "__len") != LUA_TNIL)
        return luaL_error(L, "table.sort: tables with a __len metamethod are not supported");
    check_max(L, "sort", (lua_Unsigned)lua_rawlen(L, 1), lh_from(L)->pool->lim.sort_len);
    if (lua_isnoneornil(L, 2)) {
        lua_settop(L, 1);
        lua_pushcfunction(L, sort_lt);
    }
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 0);
    return 0;
}

/* Replace the functions in the table on top of the stack (the stock table library). */
void
lh_tablib_register(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"insert", tinsert}, {"remove", tremove}, {"concat", tconcat},
        {"move", tmove},     {NULL, NULL},
    };
    luaL_setfuncs(L, fns, 0);
    lua_getfield(L, -1, "sort");
    lua_pushcclosure(L, tsort, 1);
    lua_setfield(L, -2, "sort");
}
