/*
 * lh_json.c - JSON (jansson) <-> Lua values, and json.* for scripts
 *
 * SYNOPSIS
 *     lh_json_push(L, v);                          JSON -> Lua (raises on memory only)
 *     json_t *v = lh_json_from(L, idx, "view", err, sizeof err);   Lua -> JSON
 *     json.encode(value) -> string     json.decode(text) -> value | nil, err
 *     json.null
 *
 * DESCRIPTION
 *     The conversion rules are the contract in lh_json.h. Both directions
 *     are bounded by LH_JSON_MAX_DEPTH containers. Lua -> JSON walks tables
 *     raw (no metamethods), keeps the tables on the current path to refuse
 *     cycles (a table shared by two branches is fine), checks strings with
 *     lib/utf8, and polls the time limit every few thousand values: a
 *     conversion runs in C, where the watchdog's hook cannot stop it.
 *
 *     json.encode writes compact JSON with sorted object keys, so equal
 *     values encode to equal text. json.decode accepts any JSON value
 *     (also a bare string or number) up to JSON_TEXT_MAX bytes.
 *
 * DIAGNOSTICS
 *     Lua -> JSON: "PATH: REASON", PATH from `what` ("view.items[3]: a
 *     function cannot become JSON"). json.encode raises that reason;
 *     json.decode returns nil and "json.decode: line L, column C: REASON".
 *
 * Uses the public Lua API, jansson, lib/utf8, and lh_from() for the limits.
 */
#include "lh_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lh_int.h"
#include "utf8.h"

#define JSON_TEXT_MAX (16u << 20) /* bytes json.decode accepts */
#define PATH_CAP      256         /* bytes of a path kept for messages */
#define POLL_EVERY    4096        /* values converted between time-limit checks */

static const char null_sentinel; /* its address is json.null */

/*
 * ---------------------------------------------------------------
 * JSON -> Lua (push)
 * ---------------------------------------------------------------
 */

void
lh_json_push_null(lua_State *L)
{
    lua_pushlightuserdata(L, (void *)&null_sentinel);
}

static void push_value(lua_State *L, const json_t *v, int depth);

static void
push_object(lua_State *L, const json_t *v, int depth)
{
    const char *key;
    size_t klen;
    json_t *item;
    lua_createtable(L, 0, (int)json_object_size(v));
    json_object_keylen_foreach((json_t *)v, key, klen, item)
    {
        lua_pushlstring(L, key, klen);
        push_value(L, item, depth + 1);
        lua_rawset(L, -3);
    }
}

static void
push_array(lua_State *L, const json_t *v, int depth)
{
    size_t n = json_array_size(v);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        push_value(L, json_array_get(v, i), depth + 1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

static void
push_value(lua_State *L, const json_t *v, int depth)
{
    bool container = json_is_object(v) || json_is_array(v);
    if (container && depth >= LH_JSON_MAX_DEPTH) /* also ends a cycle made in C */
        luaL_error(L, "JSON nested deeper than %d levels", LH_JSON_MAX_DEPTH);
    luaL_checkstack(L, 3, "JSON nesting");
    switch (json_typeof(v)) {
    case JSON_OBJECT: push_object(L, v, depth); break;
    case JSON_ARRAY: push_array(L, v, depth); break;
    case JSON_STRING: lua_pushlstring(L, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(v)); break;
    case JSON_REAL: lua_pushnumber(L, (lua_Number)json_real_value(v)); break;
    case JSON_TRUE: lua_pushboolean(L, 1); break;
    case JSON_FALSE: lua_pushboolean(L, 0); break;
    case JSON_NULL: lh_json_push_null(L); break;
    }
}

void
lh_json_push(lua_State *L, const json_t *v)
{
    if (v)
        push_value(L, v, 0);
    else
        lua_pushnil(L);
}

/* Levels of containers in `v`, counted no further than `budget` levels down. */
static int
depth_of(const json_t *v, int budget)
{
    int deepest = 0;
    if (!json_is_object(v) && !json_is_array(v)) return 0;
    if (budget == 0) return 1;
    if (json_is_object(v)) {
        const char *key;
        json_t *item;
        json_object_foreach((json_t *)v, key, item)
        {
            int d = depth_of(item, budget - 1);
            if (d > deepest) deepest = d;
        }
    } else {
        for (size_t i = 0; i < json_array_size(v); i++) {
            int d = depth_of(json_array_get(v, i), budget - 1);
            if (d > deepest) deepest = d;
        }
    }
    return deepest + 1;
}

int
lh_json_check_depth(const json_t *v, const char *what, char *err, size_t errlen)
{
    if (!v || depth_of(v, LH_JSON_MAX_DEPTH + 1) <= LH_JSON_MAX_DEPTH) return 0;
    snprintf(err, errlen, "%s: JSON nested deeper than %d levels", what, LH_JSON_MAX_DEPTH);
    return -1;
}

/*
 * ---------------------------------------------------------------
 * Lua -> JSON (from)
 * ---------------------------------------------------------------
 */

struct conv {
    lua_State *L;
    struct lh_state *st;
    const void *open[LH_JSON_MAX_DEPTH + 1]; /* tables on the current path */
    int depth;
    unsigned long values;
    char path[PATH_CAP];
    size_t plen;
    char *err;
    size_t errlen;
};

static json_t *from_value(struct conv *c, int idx);

__attribute__((format(printf, 2, 3))) static json_t *
fail(struct conv *c, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "%s: %s", c->path, why);
    return NULL;
}

/* Append to the path; a path over PATH_CAP ends in "..." (messages only). */
__attribute__((format(printf, 2, 3))) static void
path_push(struct conv *c, const char *fmt, ...)
{
    va_list ap;
    size_t room = sizeof c->path - c->plen;
    va_start(ap, fmt);
    int n = vsnprintf(c->path + c->plen, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room) memcpy(c->path + sizeof c->path - 4, "...", 4);
    c->plen = strlen(c->path);
}

static bool
is_identifier(const char *s, size_t len)
{
    if (len == 0 || len > 64 || !(s[0] == '_' || ((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z')))
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == len;
}

/* The path of a key: ".name", or ["odd key"] cut at 40 bytes. */
static void
path_push_key(struct conv *c, const char *key, size_t len)
{
    if (is_identifier(key, len)) {
        path_push(c, ".%s", key);
        return;
    }
    char shown[41];
    size_t n = len < 40 ? len : 40;
    for (size_t i = 0; i < n; i++)
        shown[i] = (key[i] >= 0x20 && key[i] < 0x7f && key[i] != '"') ? key[i] : '?';
    shown[n] = '\0';
    path_push(c, "[\"%s%s\"]", shown, len > 40 ? "..." : "");
}

static json_t *
from_string(struct conv *c, int idx)
{
    size_t len, bad;
    const char *s = lua_tolstring(c->L, idx, &len);
    if (!utf8_valid(s, len, &bad))
        return fail(c, "a string that is not valid UTF-8 (byte %zu) cannot become JSON", bad + 1);
    json_t *v = json_stringn_nocheck(s, len);
    return v ? v : fail(c, "out of memory");
}

static json_t *
from_number(struct conv *c, int idx)
{
    json_t *v;
    if (lua_isinteger(c->L, idx)) {
        v = json_integer((json_int_t)lua_tointeger(c->L, idx));
    } else {
        double d = (double)lua_tonumber(c->L, idx);
        if (isnan(d)) return fail(c, "NaN cannot become JSON");
        if (isinf(d)) return fail(c, "an infinite number cannot become JSON");
        v = json_real(d);
    }
    return v ? v : fail(c, "out of memory");
}

/* What kinds of keys a table has. */
struct keys {
    size_t count, strings;
    lua_Integer max; /* largest positive integer key */
    int odd_type;    /* type of a key neither string nor positive integer, or LUA_TNONE */
    double odd_num;  /* that key, when it is a number */
};

static void
scan_keys(lua_State *L, int t, struct keys *k)
{
    *k = (struct keys){.odd_type = LUA_TNONE};
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        k->count++;
        if (lua_type(L, -1) == LUA_TSTRING) {
            k->strings++;
        } else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1) {
            if (lua_tointeger(L, -1) > k->max) k->max = lua_tointeger(L, -1);
        } else if (k->odd_type == LUA_TNONE) {
            k->odd_type = lua_type(L, -1);
            k->odd_num = (double)lua_tonumber(L, -1);
        }
    }
}

static json_t *
from_array(struct conv *c, int t, lua_Integer n)
{
    json_t *arr = json_array();
    if (!arr) return fail(c, "out of memory");
    size_t mark = c->plen;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(c->L, t, i);
        path_push(c, "[%lld]", (long long)i);
        json_t *item = from_value(c, lua_gettop(c->L));
        lua_pop(c->L, 1);
        c->path[c->plen = mark] = '\0';
        if (!item || json_array_append_new(arr, item) < 0) {
            json_decref(arr);
            return item ? fail(c, "out of memory") : NULL;
        }
    }
    return arr;
}

static json_t *
from_object(struct conv *c, int t)
{
    json_t *obj = json_object();
    if (!obj) return fail(c, "out of memory");
    size_t mark = c->plen, klen, bad;
    lua_pushnil(c->L);
    while (lua_next(c->L, t)) {
        const char *key = lua_tolstring(c->L, -2, &klen); /* a string: checked by scan_keys */
        path_push_key(c, key, klen);
        json_t *item = utf8_valid(key, klen, &bad) ? from_value(c, lua_gettop(c->L))
                                                   : fail(c, "a key that is not valid UTF-8");
        lua_pop(c->L, 1);
        c->path[c->plen = mark] = '\0';
        if (!item || json_object_setn_new_nocheck(obj, key, klen, item) < 0) {
            lua_pop(c->L, 1); /* the key: the walk ends here */
            json_decref(obj);
            return item ? fail(c, "out of memory") : NULL;
        }
    }
    return obj;
}

static json_t *
bad_key(struct conv *c, const struct keys *k)
{
    if (k->odd_type != LUA_TNONE && k->odd_type != LUA_TNUMBER)
        return fail(c, "a table with a %s key cannot become JSON (keys must be strings, or 1..n)",
                    lua_typename(c->L, k->odd_type));
    if (k->strings) return fail(c, "a table mixing string and number keys cannot become JSON");
    if (k->odd_type == LUA_TNUMBER)
        return fail(c, "a table with key %g cannot become JSON (an array needs keys 1..n)",
                    k->odd_num);
    return fail(c,
                "a table with keys up to %lld but %zu entries cannot become JSON "
                "(an array needs keys 1..n without holes)",
                (long long)k->max, k->count);
}

static json_t *
from_table(struct conv *c, int t)
{
    const void *self = lua_topointer(c->L, t);
    for (int i = 0; i < c->depth; i++)
        if (c->open[i] == self) return fail(c, "a table that contains itself cannot become JSON");
    if (c->depth == LH_JSON_MAX_DEPTH)
        return fail(c, "nested deeper than %d levels", LH_JSON_MAX_DEPTH);
    if (!lua_checkstack(c->L, 4)) /* raising here would leak the tree built so far */
        return fail(c, "out of memory (the Lua stack, at JSON nesting)");
    struct keys k;
    scan_keys(c->L, t, &k);
    json_t *v;
    c->open[c->depth++] = self;
    if (k.count == 0 || k.strings == k.count)
        v = from_object(c, t);
    else if (k.strings == 0 && k.odd_type == LUA_TNONE && (size_t)k.max == k.count)
        v = from_array(c, t, k.max);
    else
        v = bad_key(c, &k);
    c->depth--;
    return v;
}

static json_t *
from_value(struct conv *c, int idx)
{
    if (++c->values % POLL_EVERY == 0 && c->st && atomic_load(&c->st->fired))
        return fail(c, "time limit exceeded while converting to JSON");
    json_t *v = NULL;
    switch (lua_type(c->L, idx)) {
    case LUA_TNIL: v = json_null(); break;
    case LUA_TBOOLEAN: v = json_boolean(lua_toboolean(c->L, idx)); break;
    case LUA_TNUMBER: return from_number(c, idx);
    case LUA_TSTRING: return from_string(c, idx);
    case LUA_TTABLE: return from_table(c, idx);
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(c->L, idx) == &null_sentinel) {
            v = json_null();
            break;
        }
        return fail(c, "a userdata cannot become JSON");
    default: return fail(c, "a %s cannot become JSON", luaL_typename(c->L, idx));
    }
    return v ? v : fail(c, "out of memory");
}

static _Thread_local bool charging; /* jansson's allocations count against charge_left */
static _Thread_local size_t charge_left;
static _Thread_local bool charge_refused; /* an allocation went past charge_left */

static void *
charged_malloc(size_t n)
{
    if (charging) {
        if (n > charge_left) {
            charge_refused = true;
            return NULL;
        }
        charge_left -= n; /* frees give nothing back: a bound, not an account */
    }
    return malloc(n);
}

static void
install_once(void)
{
    json_set_alloc_funcs(charged_malloc, free);
}

void
lh_json_install(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install_once);
}

void
lh_json_charge(lua_State *L)
{
    charge_left = lh_mem_left(L, 0);
    charge_refused = false;
    charging = true;
}

void
lh_json_uncharge(void)
{
    charging = false;
}

bool
lh_json_collect_for_retry(lua_State *L)
{
    if (!charge_refused) return false;
    charge_refused = false;
    /* The state's memory in use counts garbage not collected yet; only a
     * full collection tells what is really left for the C side. */
    lua_gc(L, LUA_GCCOLLECT);
    return true;
}

char *
lh_json_dump(lua_State *L, const json_t *v)
{
    char *text;
    bool retried = false;
    do {
        lh_json_charge(L);
        text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        lh_json_uncharge();
    } while (!text && !retried && (retried = lh_json_collect_for_retry(L)));
    return text;
}

static json_t *
convert(lua_State *L, int idx, const char *what, char *err, size_t errlen)
{
    struct conv c = {.L = L, .st = lh_from(L), .err = err, .errlen = errlen};
    snprintf(c.path, sizeof c.path, "%s", what && *what ? what : "value");
    c.plen = strlen(c.path);
    lh_json_charge(L);
    json_t *v = from_value(&c, idx);
    lh_json_uncharge();
    return v;
}

json_t *
lh_json_from(lua_State *L, int idx, const char *what, char *err, size_t errlen)
{
    idx = lua_absindex(L, idx);
    json_t *v = convert(L, idx, what, err, errlen);
    if (!v && lh_json_collect_for_retry(L)) v = convert(L, idx, what, err, errlen);
    return v;
}

/*
 * ---------------------------------------------------------------
 * json.* for scripts
 * ---------------------------------------------------------------
 */

static void
free_json(void *p)
{
    json_decref(p);
}

static void
free_text(void *p)
{
    free(p);
}

/* json.encode(value) -> compact JSON text; raises when the value cannot become JSON. */
static int
l_encode(lua_State *L)
{
    char err[512];
    luaL_checkany(L, 1);
    lua_settop(L, 1);
    struct lh_guard *gv = lh_guard_push(L, free_json);
    struct lh_guard *gs = lh_guard_push(L, free_text);
    if (!(gv->p = lh_json_from(L, 1, "value", err, sizeof err)))
        return luaL_error(L, "json.encode: %s", err);
    if (!(gs->p = lh_json_dump(L, gv->p)))
        return luaL_error(L, "json.encode: out of memory (the script's memory limit)");
    lua_pushstring(L, gs->p); /* \u0000 is escaped: the text has no NUL */
    return 1;
}

/* json.decode(text) -> value, or nil and the reason for text that is not JSON. */
static int
l_decode(lua_State *L)
{
    size_t len;
    char err[512];
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_error(L, "json.decode: expects a string, got %s", luaL_typename(L, 1));
    const char *s = lua_tolstring(L, 1, &len);
    if (len > JSON_TEXT_MAX) {
        lua_pushnil(L);
        lua_pushfstring(L, "json.decode: text of %I bytes is over the limit of %I",
                        (lua_Integer)len, (lua_Integer)JSON_TEXT_MAX);
        return 2;
    }
    struct lh_guard *g = lh_guard_push(L, free_json);
    json_error_t jerr;
    bool retried = false;
    do {
        lh_json_charge(L);
        g->p = json_loadb(s, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        lh_json_uncharge();
    } while (!g->p && !retried && (retried = lh_json_collect_for_retry(L)));
    if (!g->p && !jerr.text[0]) { /* jansson says nothing when an allocation fails */
        lua_pushnil(L);
        lua_pushliteral(L, "json.decode: out of memory (the script's memory limit)");
        return 2;
    }
    if (!g->p) {
        lua_pushnil(L);
        lua_pushfstring(L, "json.decode: line %d, column %d: %s", jerr.line, jerr.column,
                        jerr.text);
        return 2;
    }
    if (lh_json_check_depth(g->p, "json.decode", err, sizeof err) < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lh_json_push(L, g->p);
    return 1;
}

/* tostring(json.null) is "json.null"; its metatable stays hidden. */
static int
null_tostring(lua_State *L)
{
    lua_pushliteral(L, "json.null");
    return 1;
}

/*
 * Install `json` into the prototype. The metatable goes to every light
 * userdata of the state; json.null is the only one scripts can hold.
 */
void
lh_json_register(lua_State *L, int proto)
{
    static const luaL_Reg fns[] = {{"encode", l_encode}, {"decode", l_decode}, {NULL, NULL}};
    lh_json_push_null(L);
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, null_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
    luaL_newlib(L, fns);
    lh_json_push_null(L);
    lua_setfield(L, -2, "null");
    lua_setfield(L, proto, "json");
}
