/*
 * lh_test.c - run a *_test.lua file: its top level, then each test it declared
 *
 * The assertion library (lh_testlib.lua, embedded as lh_testlib_lua[]) is
 * run once per state, in a sandbox environment of its own, and kept in the
 * registry. For a test file, one protected call builds a fresh environment,
 * lets the library install `test` and `expect` into it, adds the caller's
 * globals (lh_test_global: C closures over their context), compiles the file
 * (text only) with that environment and runs it; the list of declared tests
 * is kept by a registry reference. Each test then runs as its own protected
 * call (lh_pcall: limits and message handler), so one failing or runaway
 * test does not stop the others.
 *
 * Reading the list from C needs no allocation (lua_rawgeti on integer
 * keys), so nothing can raise outside the protected calls.
 */
#include "lh_test.h"

#include <string.h>

#include <lauxlib.h>

#include "lh_int.h"

extern const char lh_testlib_lua[];
extern const size_t lh_testlib_lua_len;

static char K_LIB; /* registry: the library's table */

/* Push the assertion library, running it on first use in this state. */
static void
push_lib(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &K_LIB) == LUA_TTABLE) return;
    lua_pop(L, 1);
    if (luaL_loadbufferx(L, lh_testlib_lua, lh_testlib_lua_len, "=tern.test", "t") != LUA_OK)
        lua_error(L);
    lh_sandbox_env(L);
    lua_setupvalue(L, -2, 1);
    lua_call(L, 0, 1);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &K_LIB);
}

struct load_req {
    const char *path, *text;
    size_t len;
    const struct lh_test_global *globals; /* or NULL */
    int ref;                              /* out: the list of tests */
};

/* lua_CFunction: compile and run a test file; keep its list of tests. */
static int
load_entry(lua_State *L)
{
    struct load_req *rq = lua_touserdata(L, 1);
    lua_settop(L, 0);
    push_lib(L);
    lh_sandbox_env(L);
    lua_getfield(L, 1, "install");
    lua_pushvalue(L, 2);
    lua_call(L, 1, 1); /* [lib env list] */
    for (const struct lh_test_global *g = rq->globals; g && g->name; g++) {
        lua_pushlightuserdata(L, g->ctx);
        lua_pushcclosure(L, g->fn, 1);
        lua_setfield(L, 2, g->name);
    }
    const char *chunkname = lua_pushfstring(L, "@%s", rq->path);
    if (luaL_loadbufferx(L, rq->text, rq->len, chunkname, "t") != LUA_OK) return lua_error(L);
    lua_pushvalue(L, 2);
    lua_setupvalue(L, -2, 1); /* the chunk's _ENV */
    lua_call(L, 0, 0);
    if (lua_rawlen(L, 3) == 0)
        return luaL_error(L, "%s: declares no tests (call test(\"name\", function() ... end))",
                          rq->path);
    lua_pushvalue(L, 3);
    rq->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* lua_CFunction: run test number `i` (argument 2) of the list (argument 1). */
static int
test_entry(lua_State *L)
{
    lua_Integer i = lua_tointeger(L, 2);
    lua_rawgeti(L, LUA_REGISTRYINDEX, (lua_Integer)lua_tointeger(L, 1));
    lua_rawgeti(L, -1, i);
    lua_rawgeti(L, -1, 1);
    lua_call(L, 0, 0);
    return 0;
}

/* The name of test `i`; the list keeps the string alive. */
static const char *
test_name(lua_State *L, int ref, lua_Integer i)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_rawgeti(L, -1, i);
    lua_rawgeti(L, -1, 2);
    const char *name = lua_tostring(L, -1);
    lua_pop(L, 3);
    return name;
}

int
lh_test_run(struct lh_state *st, const char *path, const char *text, size_t len,
            const struct lh_test_global *globals, lh_test_report_fn report, void *ctx, char *err,
            size_t errlen)
{
    lua_State *L = lh_lua(st);
    struct load_req rq = {
        .path = path, .text = text, .len = len, .globals = globals, .ref = LUA_NOREF};
    lua_settop(L, 0);
    lua_pushcfunction(L, load_entry);
    lua_pushlightuserdata(L, &rq);
    if (lh_pcall(st, 1, 0, err, errlen) != LUA_OK) return -1;
    lua_rawgeti(L, LUA_REGISTRYINDEX, rq.ref);
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    lua_pop(L, 1);
    int failed = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_pushcfunction(L, test_entry);
        lua_pushinteger(L, rq.ref);
        lua_pushinteger(L, i);
        bool ok = lh_pcall(st, 2, 0, err, errlen) == LUA_OK;
        failed += !ok;
        report(ctx, test_name(L, rq.ref, i), ok, ok ? NULL : err);
    }
    luaL_unref(L, LUA_REGISTRYINDEX, rq.ref);
    return failed;
}
