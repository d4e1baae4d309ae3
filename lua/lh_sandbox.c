/*
 * lh_sandbox.c - what a script can see: the allow-list, replacements, require
 *
 * A state opens only the libraries below and then builds a *prototype*: the
 * allowed names copied out of the stock libraries (the allow-list is data,
 * each entry saying why it is harmless), with a few functions replaced by
 * bounded or host-aware versions. Every script file and module runs in its
 * own environment, a fresh copy of the prototype (library tables copied
 * too), so one script cannot change `string.upper` or `table.insert` for
 * another. The real globals (load, io, debug, package ...) stay in the
 * registry where no script can reach them.
 *
 * The string metatable is shared by every string of the state, so it is
 * locked: `__metatable = false` hides it from getmetatable, and its __index
 * is the sandbox's own (bounded) string table, which scripts never see.
 *
 * Scripts are text only, named by their path below the scripts root
 * ("@journeys/welcome.lua"), and come from the generation's sources read at
 * reload: require never touches the disk while mail is flowing.
 */
#include "lh_int.h"

#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "lh_compat.h"
#include "log.h"

/* Registry keys (their addresses). */
static char K_PROTO, K_LOADED, K_ENVS, K_LOADING, K_STOPPED;

#define NAME_MAX_LEN 200 /* module names */
#define DATE_FMT_MAX 256 /* os.date formats: strftime runs in C */

/*
 * ---------------------------------------------------------------
 * the allow-list: stock functions copied into every environment
 * ---------------------------------------------------------------
 */

static const struct allow {
    const char *lib; /* NULL: a global */
    const char *name;
} allowed[] = {
    /* base: functions of their arguments; none loads code or touches the host */
    {NULL, "assert"},       /* raises an error or returns its arguments */
    {NULL, "error"},        /* raises; the host catches everything */
    {NULL, "getmetatable"}, /* honours __metatable: protected metatables stay hidden */
    {NULL, "ipairs"},       /* iteration steps run as Lua code, under the time limit */
    {NULL, "next"},         /* one step of a table walk */
    {NULL, "pairs"},        /* likewise (a __pairs metamethod is Lua code too) */
    {NULL, "pcall"},        /* cannot swallow the time limit: the hook re-raises */
    {NULL, "rawequal"},     /* comparisons without metamethods */
    {NULL, "rawget"},       /* table access without metamethods, O(1) */
    {NULL, "rawlen"},
    {NULL, "rawset"},
    {NULL, "select"},   /* argument juggling */
    {NULL, "tonumber"}, /* conversions of one value, linear in its size */
    {NULL, "tostring"},
    {NULL, "type"},
    {NULL, "xpcall"},   /* replaced: the handler runs after unwinding, under the limit */
    {NULL, "_VERSION"}, /* a string */
    /* string: pure functions over memory-bounded strings */
    {"string", "byte"},
    {"string", "char"},
    {"string", "format"}, /* widths and precisions are capped at two digits by Lua */
    {"string", "len"},
    {"string", "lower"},
    {"string", "pack"},
    {"string", "packsize"},
    {"string", "reverse"},
    {"string", "sub"},
    {"string", "unpack"},
    {"string", "upper"},
    {"string", "rep"},    /* replaced: result capped */
    {"string", "find"},   /* replaced in lh_pattern.c: capped and interruptible */
    {"string", "match"},  /* likewise */
    {"string", "gmatch"}, /* likewise */
    {"string", "gsub"},   /* likewise */
    /* table: loops bounded by table_span (lh_tablib.c) */
    {"table", "concat"},
    {"table", "insert"},
    {"table", "move"},
    {"table", "pack"},
    {"table", "remove"},
    {"table", "sort"},
    {"table", "unpack"}, /* bounded by the Lua stack limit */
    /* math: arithmetic; random has its own state per lua_State */
    {"math", "abs"},
    {"math", "acos"},
    {"math", "asin"},
    {"math", "atan"},
    {"math", "ceil"},
    {"math", "cos"},
    {"math", "deg"},
    {"math", "exp"},
    {"math", "floor"},
    {"math", "fmod"},
    {"math", "huge"},
    {"math", "log"},
    {"math", "max"},
    {"math", "maxinteger"},
    {"math", "min"},
    {"math", "mininteger"},
    {"math", "modf"},
    {"math", "pi"},
    {"math", "rad"},
    {"math", "random"},
    {"math", "randomseed"},
    {"math", "sin"},
    {"math", "sqrt"},
    {"math", "tan"},
    {"math", "tointeger"},
    {"math", "type"},
    {"math", "ult"},
    /* utf8: linear scans of one string */
    {"utf8", "char"},
    {"utf8", "charpattern"},
    {"utf8", "codepoint"},
    {"utf8", "codes"},
    {"utf8", "len"},
    {"utf8", "offset"},
    /* os: the clock only; nothing that touches files, processes or the locale */
    {"os", "clock"},
    {"os", "date"}, /* replaced: format length capped */
    {"os", "difftime"},
    {"os", "time"},
    /* coroutine: resume, wrap and close replaced so the time limit follows them */
    {"coroutine", "close"},
    {"coroutine", "create"},
    {"coroutine", "isyieldable"},
    {"coroutine", "resume"},
    {"coroutine", "running"},
    {"coroutine", "status"},
    {"coroutine", "wrap"},
    {"coroutine", "yield"},
};

/*
 * ---------------------------------------------------------------
 * replacements (each gets the stock function as upvalue 1)
 * ---------------------------------------------------------------
 */

/* print: one line to the host log, tagged with the lease's session tag. */
static int
sb_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_where(L, 1);
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    const char *tag = lh_from(L)->tag;
    log_msg(LOG_LVL_INFO, "lua", tag[0] ? tag : "-", "%s%s", lua_tostring(L, n + 1),
            lua_tostring(L, -1));
    return 0;
}

/* setmetatable without __gc: finalizers run with hooks off, beyond any time limit. */
static int
sb_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc metamethods are not allowed in scripts");
        lua_pop(L, 1);
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

/*
 * xpcall whose message handler runs after the stack has unwound. Lua calls a
 * handler while raising, and an error raised by the time-limit hook is raised
 * with hooks disabled: a looping handler would then run forever. Without the
 * debug library a handler cannot look at the failed stack anyway, so running
 * it afterwards changes nothing a script can observe but the order of
 * __close handlers. As in stock Lua, memory errors skip the handler; an
 * error inside the handler becomes xpcall's error value.
 */
static int
xpcall_done(lua_State *L, int status, lua_KContext ctx)
{
    (void)ctx;
    if (status == LUA_OK || status == LUA_YIELD) return lua_gettop(L) - 2; /* true, results */
    lua_pushboolean(L, 0);
    lua_replace(L, 3); /* [f h false err] */
    if (status != LUA_ERRMEM) {
        lua_pushvalue(L, 2);
        lua_insert(L, 4);
        lua_pcall(L, 1, 1, 0); /* the handler's result, or its own error */
    }
    return 2;
}

static int
sb_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2); /* [f h true f args...] */
    return xpcall_done(L, lua_pcallk(L, n - 2, LUA_MULTRET, 0, 0, xpcall_done), 0);
}

/* string.rep with the result capped by rep_bytes and by the memory left. */
static int
sb_rep(lua_State *L)
{
    size_t l, lsep, total;
    const char *s = luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *sep = luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || l + lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    size_t max = lh_from(L)->pool->lim.rep_bytes;
    if (__builtin_mul_overflow((size_t)n, l + lsep, &total) || total > SIZE_MAX / 2)
        return luaL_error(L, "string.rep: the result is over the limit of %I bytes",
                          (lua_Integer)max);
    total -= lsep; /* no separator after the last copy */
    if (total <= max) {
        size_t left = lh_mem_left(L, total);
        if (left < max) max = left;
    }
    if (total > max)
        return luaL_error(L, "string.rep: a result of %I bytes is over the limit of %I bytes",
                          (lua_Integer)total, (lua_Integer)max);
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, total);
    for (lua_Integer i = 0; i < n; i++) {
        memcpy(p, s, l);
        p += l;
        if (i + 1 < n && lsep) {
            memcpy(p, sep, lsep);
            p += lsep;
        }
    }
    luaL_pushresultsize(&b, total);
    return 1;
}

/* os.date with a bounded format: strftime cannot be interrupted. */
static int
sb_date(lua_State *L)
{
    size_t len;
    luaL_optlstring(L, 1, "%c", &len);
    if (len > DATE_FMT_MAX)
        return luaL_error(L, "os.date: format of %I bytes is over the limit of %I",
                          (lua_Integer)len, (lua_Integer)DATE_FMT_MAX);
    if (!lua_isnoneornil(L, 2)) luaL_checkinteger(L, 2);
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, 1);
    return 1;
}

/*
 * Coroutines: the same semantics as the stock functions, but every switch
 * of thread is reported to the watchdog (lh_watch_enter/leave), so the time
 * limit reaches code running inside a coroutine.
 *
 * A coroutine killed by the time-limit hook dies with its hooks disabled
 * (Lua restores that flag only where a pcall catches), so its __close
 * handlers must never run: such a coroutine is remembered as stopped and
 * closing it does nothing but say so.
 */
static void
co_mark_stopped(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &K_STOPPED);
    lua_pushvalue(L, -2);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

static bool
co_stopped(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &K_STOPPED);
    lua_pushvalue(L, idx);
    bool stopped = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return stopped;
}
static int
co_resume_into(lua_State *L, lua_State *co, int narg)
{
    struct lh_state *st = lh_from(L);
    int nres;
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    lua_xmove(L, co, narg);
    lua_State *prev = lh_watch_enter(st, co);
    int status = lua_resume(co, L, narg, &nres);
    lh_watch_leave(st, prev);
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    lua_xmove(co, L, 1); /* the error object */
    if (atomic_load(&st->fired)) {
        lua_pushthread(co);
        lua_xmove(co, L, 1);
        co_mark_stopped(L);
        lua_pop(L, 1);
    }
    return -1;
}

static int
co_resume(lua_State *L)
{
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "coroutine");
    int r = co_resume_into(L, co, lua_gettop(L) - 1);
    if (r < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(r + 1));
    return r + 1;
}

/* Close a dead coroutine's to-be-closed variables on its own thread. */
static int
co_closethread(lua_State *L, lua_State *co)
{
    struct lh_state *st = lh_from(L);
    lua_State *prev = lh_watch_enter(st, co);
    int status = lh_closethread(co, L);
    lh_watch_leave(st, prev);
    return status;
}

static int
co_wrapped(lua_State *L)
{
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    int r = co_resume_into(L, co, lua_gettop(L));
    if (r >= 0) return r;
    int status = lua_status(co);
    if (status != LUA_OK && status != LUA_YIELD && !co_stopped(L, lua_upvalueindex(1))) {
        status = co_closethread(L, co); /* died: run its __close handlers */
        lua_xmove(co, L, 1);
    }
    if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1); /* where the wrapped function was called */
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

static int
co_wrap(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, co_wrapped, 1);
    return 1;
}

static const char *
co_status(lua_State *L, lua_State *co)
{
    lua_Debug ar;
    if (L == co) return "running";
    switch (lua_status(co)) {
    case LUA_YIELD: return "suspended";
    case LUA_OK:
        if (lua_getstack(co, 0, &ar)) return "normal"; /* it resumed someone */
        return lua_gettop(co) == 0 ? "dead" : "suspended";
    default: return "dead"; /* died with an error */
    }
}

static int
co_close(lua_State *L)
{
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "coroutine");
    const char *status = co_status(L, co);
    if (strcmp(status, "dead") != 0 && strcmp(status, "suspended") != 0)
        return luaL_error(L, "cannot close a %s coroutine", status);
    if (co_stopped(L, 1)) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "coroutine was stopped by the time limit");
        return 2;
    }
    if (co_closethread(L, co) == LUA_OK) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushboolean(L, 0);
    lua_xmove(co, L, 1);
    return 2;
}

static int sb_require(lua_State *L);

static const struct replace {
    const char *lib;
    const char *name;
    lua_CFunction fn;
} replaced[] = {
    {NULL, "print", sb_print},               /* to the host log, not stdout */
    {NULL, "setmetatable", sb_setmetatable}, /* refuses __gc */
    {NULL, "require", sb_require},           /* scripts tree only, cached per state */
    {NULL, "xpcall", sb_xpcall},             /* handler after unwinding, see above */
    {"string", "rep", sb_rep},
    {"os", "date", sb_date},
    {"coroutine", "resume", co_resume},
    {"coroutine", "wrap", co_wrap},
    {"coroutine", "close", co_close},
};

/*
 * ---------------------------------------------------------------
 * building the prototype (once per state)
 * ---------------------------------------------------------------
 */

/* Push the prototype's table for `lib` (the prototype itself for globals). */
static void
proto_table(lua_State *L, int proto, const char *lib)
{
    if (!lib) {
        lua_pushvalue(L, proto);
        return;
    }
    if (lua_getfield(L, proto, lib) == LUA_TTABLE) return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, proto, lib);
}

/* Push the stock value lib.name (or the global name). */
static void
push_stock(lua_State *L, const char *lib, const char *name)
{
    lua_pushglobaltable(L);
    if (lib) {
        lua_getfield(L, -1, lib);
        lua_remove(L, -2);
        if (!lua_istable(L, -1)) return; /* not opened: leaves a nil */
    }
    lua_getfield(L, -1, name);
    lua_remove(L, -2);
}

static void
copy_allowed(lua_State *L, int proto)
{
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++) {
        proto_table(L, proto, allowed[i].lib);
        push_stock(L, allowed[i].lib, allowed[i].name);
        lua_setfield(L, -2, allowed[i].name); /* a name this Lua lacks stays nil */
        lua_pop(L, 1);
    }
}

static void
apply_replacements(lua_State *L, int proto)
{
    for (size_t i = 0; i < sizeof replaced / sizeof *replaced; i++) {
        proto_table(L, proto, replaced[i].lib);
        push_stock(L, replaced[i].lib, replaced[i].name);
        lua_pushcclosure(L, replaced[i].fn, 1);
        lua_setfield(L, -2, replaced[i].name);
        lua_pop(L, 1);
    }
    proto_table(L, proto, "string");
    lh_pattern_register(L, &lh_from(L)->pat);
    lua_pop(L, 1);
    proto_table(L, proto, "table");
    lh_tablib_register(L);
    lua_pop(L, 1);
}

/* Lock the metatable all strings share; method calls use the bounded functions. */
static void
lock_string_metatable(lua_State *L, int proto)
{
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_getfield(L, proto, "string");
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
}

/* lua_CFunction: open the libraries and build the prototype; run protected. */
int
lh_sandbox_open(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},          {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table},    {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},    {LUA_OSLIBNAME, luaopen_os},
        {LUA_COLIBNAME, luaopen_coroutine},
    };
    for (size_t i = 0; i < sizeof libs / sizeof *libs; i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, 1);
        lua_pop(L, 1);
    }
    lua_newtable(L);
    int proto = lua_gettop(L);
    copy_allowed(L, proto);
    apply_replacements(L, proto);
    lh_api_register(L, proto);
    lock_string_metatable(L, proto);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &K_PROTO);
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &K_LOADED);
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &K_ENVS);
    lua_newtable(L); /* coroutines stopped by the time limit, weak keys */
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &K_STOPPED);
    return 0;
}

/*
 * ---------------------------------------------------------------
 * environments and loading
 * ---------------------------------------------------------------
 */

static void
copy_table(lua_State *L, int src)
{
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, src)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
}

/* Push a fresh environment: the prototype with its library tables copied. */
void
lh_sandbox_env(lua_State *L)
{
    lua_createtable(L, 0, 32);
    int env = lua_gettop(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &K_PROTO);
    lua_pushnil(L);
    while (lua_next(L, env + 1)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            copy_table(L, lua_gettop(L));
            lua_remove(L, -2);
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, env);
    }
    lua_pop(L, 1);
    lua_pushvalue(L, env);
    lua_setfield(L, env, "_G");
}

/* Push the environment of the script at `path`; returns its type (nil: no such script). */
int
lh_sandbox_getenv(lua_State *L, const char *path)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &K_ENVS);
    int t = lua_getfield(L, -1, path);
    lua_remove(L, -2);
    return t;
}

/* Compile `path` from the generation's sources; a status and a message or the chunk. */
static int
compile(lua_State *L, const char *path)
{
    struct lh_gen *gen = lh_from(L)->gen;
    const struct lh_src *src = lh_tree_find(gen->src, gen->nsrc, path);
    if (!src) {
        lua_pushfstring(L, "%s: no such script under the scripts root", path);
        return LUA_ERRFILE;
    }
    const char *chunkname = lua_pushfstring(L, "@%s", path);
    int status = luaL_loadbufferx(L, src->text, src->len, chunkname, "t"); /* never bytecode */
    lua_remove(L, -2);
    if (status != LUA_OK && strncmp(lua_tostring(L, -1), path, strlen(path)) != 0) {
        lua_pushfstring(L, "%s: %s", path, lua_tostring(L, -1)); /* e.g. a binary chunk */
        lua_remove(L, -2);
    }
    return status;
}

/* __close of a load guard: forget a load that did not finish (upvalue 1: path). */
static int
load_unmark(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &K_LOADED);
    lua_pushvalue(L, lua_upvalueindex(1));
    if (lua_rawget(L, -2) == LUA_TLIGHTUSERDATA) {
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_pushnil(L);
        lua_rawset(L, -4);
    }
    return 0;
}

/* Mark `path` as loading, in loaded (at index `loaded`), until the caller returns. */
static void
load_mark(lua_State *L, int loaded, const char *path)
{
    lua_pushlightuserdata(L, &K_LOADING);
    lua_setfield(L, loaded, path);
    lua_newtable(L); /* the guard */
    lua_createtable(L, 0, 1);
    lua_pushstring(L, path);
    lua_pushcclosure(L, load_unmark, 1);
    lua_setfield(L, -2, "__close");
    lua_setmetatable(L, -2);
    lua_toclose(L, -1); /* closed when the calling C function returns or unwinds */
}

/*
 * Run the script at `path` once in this state and push what it returned
 * (true for nothing); later calls push the cached value. Raises on errors.
 * Must be called from a C function that returns right after.
 */
int
lh_sandbox_load(lua_State *L, const char *path)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &K_LOADED);
    int loaded = lua_gettop(L);
    int t = lua_getfield(L, loaded, path);
    if (t == LUA_TLIGHTUSERDATA) return luaL_error(L, "require: '%s' requires itself", path);
    if (t != LUA_TNIL) return 1;
    lua_pop(L, 1);
    load_mark(L, loaded, path);
    if (compile(L, path) != LUA_OK) return lua_error(L);
    lh_sandbox_env(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &K_ENVS);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, path);
    lua_pop(L, 1);
    lua_setupvalue(L, -2, 1); /* the chunk's _ENV */
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, loaded, path);
    return 1;
}

/* Module names: lower-case words, digits, '_' and '.', nothing that walks. */
static int
valid_name(const char *name, size_t len)
{
    if (len == 0 || len > NAME_MAX_LEN || name[0] == '.' || name[len - 1] == '.') return 0;
    if (strstr(name, "..")) return 0;
    return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.") == len;
}

static int
sb_require(lua_State *L)
{
    size_t len;
    const char *name = luaL_checklstring(L, 1, &len);
    if (!valid_name(name, len))
        return luaL_error(
            L, "require: invalid module name '%s' (want a dotted name like 'lib.util')", name);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t i = 0; i < len; i++)
        luaL_addchar(&b, name[i] == '.' ? '/' : name[i]);
    luaL_addstring(&b, ".lua");
    luaL_pushresult(&b);
    const char *path = lua_tostring(L, -1);
    struct lh_gen *gen = lh_from(L)->gen;
    if (!lh_tree_find(gen->src, gen->nsrc, path))
        return luaL_error(L, "require: module '%s' not found (no %s under the scripts root)", name,
                          path);
    return lh_sandbox_load(L, path);
}
