/*
 * lh_sandbox_test.c - what scripts can and cannot reach, errors they produce
 *
 * Runs the scripts under tests/lua/sandbox (found via TERN_SRCDIR) and a few
 * trees written at run time under TERN_TMPDIR.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "lua/lh.h"
#include "tap.h"

static char err[4096];

static const char *
srcdir(void)
{
    const char *d = getenv("TERN_SRCDIR");
    return d && *d ? d : ".";
}

static const char *
fixture(const char *name)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/tests/lua/%s", srcdir(), name);
    return path;
}

/* A fresh scratch directory for trees written by a test. */
static const char *
scratch(const char *name)
{
    static char path[PATH_MAX];
    const char *tmp = getenv("TERN_TMPDIR");
    if (!tmp || !*tmp) tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    mkdir(tmp, 0777);
    snprintf(path, sizeof path, "%s/lh_sandbox.%s.XXXXXX", tmp, name);
    return mkdtemp(path);
}

static void
write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

static struct lh_pool *
pool_for(const char *root, unsigned n)
{
    struct lh_pool *p = lh_pool_new(NULL, n, err, sizeof err);
    if (p && lh_pool_reload(p, root, err, sizeof err) < 0) {
        diag("reload %s: %s", root, err);
        lh_pool_free(p);
        return NULL;
    }
    return p;
}

/* Call func with one string argument; the result, or "ERROR: message". */
static char *
call1(struct lh_state *st, const char *func, const char *arg)
{
    static char res[8192];
    struct buf out = BUF_INIT;
    if (lh_call(st, func, &out, err, sizeof err, "s", arg) < 0)
        snprintf(res, sizeof res, "ERROR: %s", err);
    else
        snprintf(res, sizeof res, "%s", buf_str(&out));
    buf_free(&out);
    return res;
}

static struct lh_pool *pool;

static void
forbidden_globals_are_nil(void)
{
    static const char *names[] = {
        "io",         "os.execute",   "os.exit",        "os.getenv",  "os.remove", "os.rename",
        "os.tmpname", "os.setlocale", "load",           "loadstring", "loadfile",  "dofile",
        "debug",      "string.dump",  "collectgarbage", "package",    "warn",      "module",
    };
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        is_str(call1(st, "probe.lua:type_of", names[i]), "nil", names[i]);
    lh_release(st);
}

static void
allowed_functions_are_present(void)
{
    static const char *names[] = {
        "assert",      "error",        "ipairs",       "next",           "pairs",
        "pcall",       "print",        "rawequal",     "rawget",         "rawlen",
        "rawset",      "select",       "setmetatable", "getmetatable",   "tonumber",
        "tostring",    "type",         "xpcall",       "require",        "string.format",
        "string.gsub", "table.insert", "math.random",  "utf8.char",      "os.time",
        "os.clock",    "os.date",      "os.difftime",  "coroutine.wrap", "coroutine.resume",
    };
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        is_str(call1(st, "probe.lua:type_of", names[i]), "function", names[i]);
    lh_release(st);
}

static void
string_metatable_is_hidden(void)
{
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    is_str(call1(st, "probe.lua:string_metatable", NULL), "false",
           "getmetatable(\"\") returns false, not the shared metatable");
    lh_release(st);
}

static void
string_tampering_does_not_leak(void)
{
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    is_str(call1(st, "probe.lua:tamper_strings", NULL), "pwned",
           "a script may replace string.upper in its own environment");
    is_str(call1(st, "probe.lua:upper_method", "abc"), "ABC",
           "method calls on strings are unaffected, even in that script");
    is_str(call1(st, "other.lua:upper_function", "abc"), "ABC",
           "another script in the same state keeps its string.upper");
    is_str(call1(st, "other.lua:upper_method", "abc"), "ABC",
           "another script's method calls are unaffected");
    struct lh_state *st2 = lh_lease(pool, err, sizeof err);
    is_str(call1(st2, "probe.lua:upper_function", "abc"), "ABC",
           "the same script in another state is unaffected");
    lh_release(st2);
    lh_release(st);
}

static void
require_refuses_parent_path(void)
{
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    like(call1(st, "probe.lua:require_name", "../../etc/passwd"), "invalid module name",
         "require \"../../etc/passwd\" is refused");
    like(call1(st, "probe.lua:require_name", "lib..util"), "invalid module name",
         "require \"lib..util\" is refused");
    lh_release(st);
}

static void
require_refuses_absolute_path(void)
{
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    like(call1(st, "probe.lua:require_name", "/etc/passwd"), "invalid module name",
         "require \"/etc/passwd\" is refused");
    like(call1(st, "probe.lua:require_name", "nosuch.module"), "not found",
         "require of a missing module says so");
    lh_release(st);
}

static void
require_loads_module_from_tree(void)
{
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    is_str(call1(st, "journeys/welcome.lua:greet", "ann"), "hello ann",
           "require \"lib.util\" returns the module");
    is_str(call1(st, "journeys/welcome.lua:same_module", NULL), "true",
           "a module is cached per state");
    is_str(call1(st, "journeys/welcome.lua:module_runs", NULL), "1",
           "a module required and also found by the reload walk runs once");
    is_str(call1(st, "probe.lua:require_name", "lib.util"), "loaded",
           "another script gets the cached module");
    lh_release(st);
}

static void
test_files_are_not_loaded(void)
{
    struct lh_pool_stats s;
    lh_pool_stats(pool, &s);
    ok(s.generation == 1, "the tree with a failing *_test.lua loaded (it was skipped)");
}

static void
reload_refuses_symlink_outside_root(void)
{
    const char *dir = scratch("symlink");
    char link[PATH_MAX];
    write_file(dir, "main.lua", "x = 1\n", 6);
    snprintf(link, sizeof link, "%s/evil.lua", dir);
    ok(symlink("/etc/hostname", link) == 0, "made a symlink leaving the root");
    struct lh_pool *p = lh_pool_new(NULL, 1, err, sizeof err);
    ok(lh_pool_reload(p, dir, err, sizeof err) < 0, "reload refuses the tree");
    like(err, "evil.lua: resolves outside the scripts root", "and names the file");
    lh_pool_free(p);
}

static void
require_cycle_is_reported(void)
{
    const char *dir = scratch("cycle");
    write_file(dir, "a.lua", "require 'b'\n", 12);
    write_file(dir, "b.lua", "require 'a'\n", 12);
    struct lh_pool *p = lh_pool_new(NULL, 1, err, sizeof err);
    ok(lh_pool_reload(p, dir, err, sizeof err) < 0, "modules requiring each other fail the reload");
    like(err, "require: 'a.lua' requires itself", "and the cycle is named");
    lh_pool_free(p);
}

static void
binary_chunk_is_rejected(void)
{
    lua_State *L = luaL_newstate(); /* a stock state, to produce bytecode */
    luaL_openlibs(L);
    if (luaL_dostring(L, "return string.dump(function() x = 1 end)") != LUA_OK) diag("dump failed");
    size_t len;
    const char *code = lua_tolstring(L, -1, &len);
    const char *dir = scratch("binary");
    write_file(dir, "compiled.lua", code, len);
    lua_close(L);
    struct lh_pool *p = lh_pool_new(NULL, 1, err, sizeof err);
    ok(lh_pool_reload(p, dir, err, sizeof err) < 0, "a tree with a binary chunk does not load");
    like(err, "compiled.lua: attempt to load a binary chunk", "the error names file and reason");
    lh_pool_free(p);
}

static void
syntax_error_reports_file_and_line(void)
{
    struct lh_pool *p = lh_pool_new(NULL, 1, err, sizeof err);
    ok(lh_pool_reload(p, fixture("reload/syntax"), err, sizeof err) < 0,
       "a syntax error fails the reload");
    like(err, "broken.lua:5:", "the error starts with file:line");
    lh_pool_free(p);
}

static void
runtime_error_has_traceback(void)
{
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    const char *r = call1(st, "journeys/deep.lua:outer", NULL);
    like(r, "journeys/deep.lua:3: boom at depth 2", "message with file:line of the error");
    like(r, "stack traceback:", "a traceback follows");
    like(r, "journeys/deep.lua:7: in ", "the traceback names the middle frame");
    like(r, "journeys/deep.lua:12: in ", "and the outer frame, by chunk name");
    lh_release(st);
}

static void
setmetatable_refuses_gc(void)
{
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    like(call1(st, "probe.lua:set_gc", NULL), "__gc metamethods are not allowed",
         "setmetatable with __gc is an error");
    lh_release(st);
}

static void
call_passes_arguments_and_result(void)
{
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    struct buf out = BUF_INIT;
    int rc = lh_call(st, "probe.lua:args", &out, err, sizeof err, "sinb-", "s", 7LL, 2.5, 1);
    ok(rc == 0, "call with every argument kind succeeds");
    is_str(buf_str(&out), "s 7 2.5 true nil", "arguments arrive as Lua values");
    buf_reset(&out);
    ok(lh_call(st, "probe.lua:answer", &out, err, sizeof err, "") == 0, "call without arguments");
    is_str(buf_str(&out), "42", "a number result is returned as text");
    buf_free(&out);
    lh_release(st);
}

static int
add_numbers(lua_State *L)
{
    lua_pushinteger(L, luaL_checkinteger(L, 1) + luaL_checkinteger(L, 2));
    return 1;
}

/* Runs inside lh_pcall: what a registration binding would do with a callback. */
static int
make_ref(lua_State *L)
{
    lua_pushcfunction(L, add_numbers);
    lua_pushinteger(L, luaL_ref(L, LUA_REGISTRYINDEX));
    return 1;
}

static void
call_ref_calls_registry_function(void)
{
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    lua_State *L = lh_lua(st);
    lua_pushcfunction(L, make_ref);
    ok(lh_pcall(st, 0, 1, err, sizeof err) == LUA_OK, "lh_pcall runs a C function");
    int ref = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    struct buf out = BUF_INIT;
    ok(lh_call_ref(st, ref, &out, err, sizeof err, "ii", 2LL, 3LL) == 0, "lh_call_ref succeeds");
    is_str(buf_str(&out), "5", "the referenced function got the arguments");
    ok(lh_call_ref(st, ref + 1000, &out, err, sizeof err, "") < 0, "a bad reference fails");
    like(err, "is not a function", "and says why");
    buf_free(&out);
    lh_release(st);
}

static void
unknown_function_is_an_error(void)
{
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    like(call1(st, "probe.lua:nosuch", NULL), "probe.lua:nosuch is not a function",
         "calling a missing global says so");
    like(call1(st, "nosuch.lua:f", NULL), "no script 'nosuch.lua' is loaded",
         "calling into a missing script says so");
    lh_release(st);
}

static void
print_returns_normally(void)
{
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    lh_set_tag(st, "Q1234");
    is_str(call1(st, "probe.lua:greet_twice", NULL), "ok", "print goes to the log, not an error");
    lh_release(st);
}

int
main(void)
{
    pool = pool_for(fixture("sandbox"), 2);
    if (!pool) {
        ok(0, "sandbox fixture loads: %s", err);
        return tap_done();
    }
    forbidden_globals_are_nil();
    allowed_functions_are_present();
    string_metatable_is_hidden();
    string_tampering_does_not_leak();
    require_refuses_parent_path();
    require_refuses_absolute_path();
    require_loads_module_from_tree();
    test_files_are_not_loaded();
    reload_refuses_symlink_outside_root();
    require_cycle_is_reported();
    binary_chunk_is_rejected();
    syntax_error_reports_file_and_line();
    runtime_error_has_traceback();
    setmetatable_refuses_gc();
    call_passes_arguments_and_result();
    call_ref_calls_registry_function();
    unknown_function_is_an_error();
    print_returns_normally();
    lh_pool_free(pool);
    return tap_done();
}
