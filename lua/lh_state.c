/*
 * lh_state.c - one sandboxed lua_State: budgeted allocator, protected calls
 *
 * Each state allocates through budget_alloc, which refuses to grow past the
 * state's budget; Lua then raises "not enough memory" like any other error
 * and the host collects garbage so the state serves the next call. Every
 * entry from C runs as one protected call under the message handler
 * (file:line: message plus a traceback) and the watchdog's deadline. Work
 * that allocates (pushing arguments, converting results) happens inside
 * that protected call, so an exhausted budget can never panic the process.
 */
#include "lh_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#include "lh_compat.h"
#include "lh_json.h"

/*
 * ---------------------------------------------------------------
 * memory
 * ---------------------------------------------------------------
 */

static void *
budget_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct lh_state *st = ud;
    size_t old = ptr ? osize : 0; /* without ptr, osize is a type tag */
    if (nsize == 0) {
        free(ptr);
        st->mem_used -= old;
        return NULL;
    }
    if (nsize > old && nsize - old > st->mem_limit - st->mem_used) {
        st->mem_hit = true;
        return NULL; /* Lua collects garbage, retries, then raises */
    }
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    st->mem_used = st->mem_used - old + nsize;
    return p;
}

static size_t
mem_left(const struct lh_state *st)
{
    return st->mem_limit > st->mem_used ? st->mem_limit - st->mem_used : 0;
}

size_t
lh_mem_left(lua_State *L, size_t need)
{
    struct lh_state *st = lh_from(L);
    if (mem_left(st) < need) lua_gc(L, LUA_GCCOLLECT);
    return mem_left(st);
}

/*
 * ---------------------------------------------------------------
 * errors: Lua -> the caller's buffer
 * ---------------------------------------------------------------
 */

void
lh_error_copy(char *err, size_t errlen, const char *msg)
{
    if (errlen) snprintf(err, errlen, "%s", msg ? msg : "unknown error");
}

static bool
has_lua_frames(lua_State *L)
{
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++)
        if (lua_getinfo(L, "S", &ar) && ar.what[0] != 'C') return true;
    return false;
}

/* Message handler: "file:line: message" plus a traceback of the failing thread. */
static int
msgh(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    if (has_lua_frames(L)) luaL_traceback(L, L, msg, 1); /* else only "[C]: in ?" */
    return 1;
}

static void
report(struct lh_state *st, int status, bool fired, char *err, size_t errlen)
{
    const char *msg = lua_tostring(st->L, -1);
    if (status == LUA_ERRMEM && st->mem_hit)
        snprintf(err, errlen, "memory limit exceeded (%zu bytes)", st->mem_limit);
    else if (fired && (!msg || !strstr(msg, "time limit exceeded")))
        snprintf(err, errlen, "time limit exceeded (%u ms)%s%s", st->budget_ms, msg ? "\n" : "",
                 msg ? msg : "");
    else
        lh_error_copy(err, errlen, msg);
}

/*
 * Call the function below `nargs` arguments with the handler and a deadline
 * `ms` from now. A lua_pcall status. Only from C outside Lua: a binding
 * already running inside the state uses lua_pcall itself.
 */
static int
run(struct lh_state *st, int nargs, int nresults, unsigned ms, char *err, size_t errlen)
{
    lua_State *L = st->L;
    if (st->depth > 0) { /* the deadline and the stack belong to the running call */
        lh_error_copy(err, errlen, "lua: nested call into a running state");
        lua_pop(L, nargs + 1);
        return LUA_ERRRUN;
    }
    int base = lua_gettop(L) - nargs;
    st->depth++;
    lua_pushcfunction(L, msgh);
    lua_insert(L, base);
    st->mem_hit = false;
    lh_watch_begin(st, ms);
    int status = lua_pcall(L, nargs, nresults, base);
    lh_json_uncharge(); /* a binding that raised mid-conversion left its charge on */
    bool fired = atomic_load(&st->fired);
    lh_watch_end(st);
    st->depth--;
    lua_remove(L, base);
    if (status == LUA_OK) return LUA_OK;
    report(st, status, fired, err, errlen);
    lua_pop(L, 1);
    if (status == LUA_ERRMEM) lua_gc(L, LUA_GCCOLLECT); /* make room for the next call */
    return status;
}

int
lh_pcall(struct lh_state *st, int nargs, int nresults, char *err, size_t errlen)
{
    return run(st, nargs, nresults, st->pool->lim.call_ms, err, errlen);
}

/*
 * ---------------------------------------------------------------
 * calls from C: everything inside one protected entry
 * ---------------------------------------------------------------
 */

struct callreq {
    const char *func; /* "PATH:NAME", or NULL for ref */
    int ref;
    const char *fmt;
    va_list *ap;
    struct buf *out;
};

/* Push the function named "PATH:NAME" (NAME may walk tables: "M.start"). */
static void
push_named(lua_State *L, const char *func)
{
    const char *colon = strrchr(func, ':');
    if (!colon) luaL_error(L, "'%s' does not name a function as PATH:NAME", func);
    lua_pushlstring(L, func, (size_t)(colon - func));
    if (lh_sandbox_getenv(L, lua_tostring(L, -1)) != LUA_TTABLE)
        luaL_error(L, "no script '%s' is loaded", lua_tostring(L, -2));
    const char *name = colon + 1;
    for (;;) {
        const char *dot = strchr(name, '.');
        size_t len = dot ? (size_t)(dot - name) : strlen(name);
        lua_pushlstring(L, name, len);
        lua_gettable(L, -2);
        lua_remove(L, -2);
        if (!dot) break;
        if (!lua_istable(L, -1)) luaL_error(L, "%s: '%s' is not a table", func, name);
        name = dot + 1;
    }
    if (!lua_isfunction(L, -1)) luaL_error(L, "%s is not a function", func);
    lua_remove(L, -2); /* the path */
}

static int
push_args(lua_State *L, const char *fmt, va_list *ap)
{
    int n = 0;
    for (; fmt && *fmt; fmt++, n++) {
        luaL_checkstack(L, 1, "too many arguments");
        switch (*fmt) {
        case 's': lua_pushstring(L, va_arg(*ap, const char *)); break;
        case 'i': lua_pushinteger(L, (lua_Integer)va_arg(*ap, long long)); break;
        case 'n': lua_pushnumber(L, (lua_Number)va_arg(*ap, double)); break;
        case 'b': lua_pushboolean(L, va_arg(*ap, int)); break;
        case '-': lua_pushnil(L); break;
        default: return luaL_error(L, "bad argument format character '%c'", *fmt);
        }
    }
    return n;
}

static void
put_result(lua_State *L, struct buf *out)
{
    size_t len;
    const char *s;
    bool ok = true;
    switch (lua_type(L, -1)) {
    case LUA_TSTRING:
    case LUA_TNUMBER:
        s = lua_tolstring(L, -1, &len); /* converts a number in place */
        ok = buf_append(out, s, len);
        break;
    case LUA_TBOOLEAN: ok = buf_puts(out, lua_toboolean(L, -1) ? "true" : "false"); break;
    case LUA_TNIL: break;
    default: ok = buf_printf(out, "<%s>", luaL_typename(L, -1)); break;
    }
    if (!ok) luaL_error(L, "out of memory for the result");
}

static int
call_entry(lua_State *L)
{
    struct callreq *rq = lua_touserdata(L, 1);
    lua_settop(L, 0);
    if (rq->func)
        push_named(L, rq->func);
    else if (lua_rawgeti(L, LUA_REGISTRYINDEX, rq->ref) != LUA_TFUNCTION)
        return luaL_error(L, "registry reference %d is not a function", rq->ref);
    int n = push_args(L, rq->fmt, rq->ap);
    lua_call(L, n, 1);
    if (rq->out) put_result(L, rq->out);
    return 0;
}

static int
call(struct lh_state *st, struct callreq *rq, char *err, size_t errlen)
{
    lua_settop(st->L, 0);
    lua_pushcfunction(st->L, call_entry); /* neither push allocates */
    lua_pushlightuserdata(st->L, rq);
    int status = lh_pcall(st, 1, 0, err, errlen);
    return status == LUA_OK ? 0 : -1;
}

int
lh_call(struct lh_state *st, const char *func, struct buf *out, char *err, size_t errlen,
        const char *argfmt, ...)
{
    va_list ap;
    va_start(ap, argfmt);
    struct callreq rq = {.func = func ? func : "", .fmt = argfmt, .ap = &ap, .out = out};
    int rc = call(st, &rq, err, errlen);
    va_end(ap);
    return rc;
}

int
lh_call_ref(struct lh_state *st, int ref, struct buf *out, char *err, size_t errlen,
            const char *argfmt, ...)
{
    va_list ap;
    va_start(ap, argfmt);
    struct callreq rq = {.ref = ref, .fmt = argfmt, .ap = &ap, .out = out};
    int rc = call(st, &rq, err, errlen);
    va_end(ap);
    return rc;
}

/* lua_CFunction: run one script file (upvalue-free: path is argument 1). */
static int
run_file_entry(lua_State *L)
{
    const char *path = lua_touserdata(L, 1);
    lua_settop(L, 0);
    return lh_sandbox_load(L, path);
}

int
lh_state_run_file(struct lh_state *st, const char *path, char *err, size_t errlen)
{
    lua_settop(st->L, 0);
    lua_pushcfunction(st->L, run_file_entry);
    lua_pushlightuserdata(st->L, (void *)path);
    int status = run(st, 1, 0, st->pool->lim.load_ms, err, errlen);
    return status == LUA_OK ? 0 : -1;
}

/*
 * ---------------------------------------------------------------
 * life cycle and accessors
 * ---------------------------------------------------------------
 */

struct lh_state *
lh_state_new(struct lh_pool *pool, struct lh_gen *gen, char *err, size_t errlen)
{
    struct lh_state *st = calloc(1, sizeof *st);
    if (!st) {
        lh_error_copy(err, errlen, "lua: out of memory");
        return NULL;
    }
    st->pool = pool;
    st->gen = gen;
    st->mem_limit = pool->lim.mem_bytes;
    atomic_init(&st->fired, 0);
    st->pat.subject_max = pool->lim.pattern_subject;
    st->pat.pattern_max = pool->lim.pattern_len;
    st->pat.fired = &st->fired;
    st->pat.budget_ms = &st->budget_ms;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)st;
    st->L = lh_newstate(budget_alloc, st, seed);
    if (!st->L) {
        lh_error_copy(err, errlen, "lua: cannot create a state (memory limit too small?)");
        free(st);
        return NULL;
    }
    *(struct lh_state **)lua_getextraspace(st->L) = st;
    lua_pushcfunction(st->L, lh_sandbox_open);
    if (lua_pcall(st->L, 0, 0, 0) != LUA_OK) {
        snprintf(err, errlen, "lua: cannot build the sandbox: %s", lua_tostring(st->L, -1));
        lh_state_close(st);
        return NULL;
    }
    return st;
}

void
lh_state_close(struct lh_state *st)
{
    if (!st) return;
    lua_close(st->L);
    free(st);
}

lua_State *
lh_lua(struct lh_state *st)
{
    return st->L;
}

unsigned long
lh_generation(const struct lh_state *st)
{
    return st->gen->id;
}

void
lh_set_tag(struct lh_state *st, const char *tag)
{
    snprintf(st->tag, sizeof st->tag, "%s", tag ? tag : "");
}
