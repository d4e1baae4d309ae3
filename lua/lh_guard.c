/*
 * lh_guard.c - C resources that survive a Lua error in the binding holding them
 *
 * A binding that holds malloc'd memory, a jansson value, a PGresult or a
 * leased database connection while it pushes Lua values can be unwound by
 * a memory error at any push. It first pushes a guard: a to-be-closed
 * userdata whose __close (and __gc, for a coroutine that dies without
 * closing its variables) runs the free function once. The binding then
 * stores the resource in the guard and either frees it itself with
 * lh_guard_done() or leaves it to the guard when it returns or unwinds.
 *
 * Uses the public Lua API only.
 */
#include "lh_int.h"

#include <lauxlib.h>

#define GUARD_MT "tern.guard"

static int
guard_close(lua_State *L)
{
    lh_guard_done(lua_touserdata(L, 1));
    return 0;
}

struct lh_guard *
lh_guard_push(lua_State *L, void (*fn)(void *))
{
    struct lh_guard *g = lua_newuserdatauv(L, sizeof *g, 0);
    g->fn = fn;
    g->p = NULL;
    if (luaL_newmetatable(L, GUARD_MT)) {
        lua_pushcfunction(L, guard_close);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, guard_close);
        lua_setfield(L, -2, "__gc"); /* C code only; scripts cannot reach a guard */
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
    lua_toclose(L, -1);
    return g;
}

void
lh_guard_done(struct lh_guard *g)
{
    void *p = g->p;
    g->p = NULL; /* once only, whichever of done, __close and __gc comes first */
    if (p) g->fn(p);
}
