/*
 * lh_reg_opts.c - validating registration options: names, durations, windows, caps
 *
 * Every function here either stores a normalised value into the record
 * being built (struct lh_regctx.rec) or raises a Lua error whose message
 * names the registering call's file:line, the registration and the
 * offending option. Nothing here keeps state.
 */
#include "lh_reg_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lh_duration.h"

#define CAP_COUNT_MAX 1000000

int
lh_reg_fail(lua_State *L, const struct lh_regctx *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->name)
        lua_pushfstring(L, "%s:%d: %s \"%s\": %s", c->at.file, c->at.line, c->what, c->name, msg);
    else
        lua_pushfstring(L, "%s:%d: %s: %s", c->at.file, c->at.line, c->what, msg);
    return lua_error(L);
}

/*
 * Journey and segment names: a letter, then letters, digits, '_', '-' or
 * '.' (they travel in X-Tern-Journey and into reports). Step names are Lua
 * identifiers, since scripts write them as j.<step>.
 */
const char *
lh_reg_name_problem(const char *name, int step)
{
    size_t len = strlen(name);
    const char *alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    if (len == 0) return "is empty";
    if (len > LH_REG_NAME_MAX) return "is longer than 64 characters";
    if (step) {
        if (!strchr(alpha, name[0]) && name[0] != '_')
            return "must start with a letter or '_' (a Lua name)";
        if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != len)
            return "may only hold letters, digits and '_' (a Lua name)";
        return NULL;
    }
    if (!strchr(alpha, name[0])) return "must start with a letter";
    if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != len)
        return "may only hold letters, digits, '_', '-' and '.'";
    return NULL;
}

static const char *
type_of(lua_State *L, int idx)
{
    return luaL_typename(L, idx);
}

/* The string at `idx` (the value of option `opt`), or an error. */
static const char *
want_string(lua_State *L, const struct lh_regctx *c, int idx, const char *opt)
{
    if (lua_type(L, idx) != LUA_TSTRING)
        lh_reg_fail(L, c, "%s must be a string, got %s", opt, type_of(L, idx));
    return lua_tostring(L, idx);
}

int64_t
lh_reg_duration(lua_State *L, const struct lh_regctx *c, int idx, const char *opt)
{
    char why[160];
    int64_t secs;
    if (lh_duration_parse(want_string(L, c, idx, opt), &secs, why, sizeof why) < 0)
        lh_reg_fail(L, c, "%s: %s", opt, why);
    return secs;
}

/* Index of the value at `idx` in `choices` (NULL-terminated), or an error listing them. */
int
lh_reg_choice(lua_State *L, const struct lh_regctx *c, int idx, const char *opt,
              const char *const *choices)
{
    const char *s = want_string(L, c, idx, opt);
    char list[256] = "";
    for (int i = 0; choices[i]; i++) {
        if (strcmp(s, choices[i]) == 0) return i;
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? " or " : "",
                 choices[i]);
    }
    return lh_reg_fail(L, c, "%s must be %s, got \"%.60s\"", opt, list, s);
}

static void
join_names(const char *const *names, char *out, size_t len)
{
    out[0] = '\0';
    for (int i = 0; names[i]; i++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? ", " : "", names[i]);
}

void
lh_reg_walk_options(lua_State *L, const struct lh_regctx *c, int opts, const char *within,
                    const char *const *known,
                    void (*set)(lua_State *L, const struct lh_regctx *c, const char *key, int val))
{
    char list[256];
    if (!lua_istable(L, opts))
        lh_reg_fail(L, c, "expected a table of options, got %s", type_of(L, opts));
    lua_pushnil(L);
    while (lua_next(L, opts)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            lh_reg_fail(L, c, "option names must be strings, got a %s key", type_of(L, -2));
        const char *key = lua_tostring(L, -2);
        int i = 0;
        while (known[i] && strcmp(known[i], key) != 0)
            i++;
        if (!known[i]) {
            join_names(known, list, sizeof list);
            lh_reg_fail(L, c, "unknown option \"%s%s%.60s\" (known: %s)", within ? within : "",
                        within ? "." : "", key, list);
        }
        set(L, c, key, lua_gettop(L));
        lua_pop(L, 1);
    }
}

/*
 * ---------------------------------------------------------------
 * window = { hours = "08:00-20:00", days = "mon-sat" }
 * ---------------------------------------------------------------
 */

/* "HH:MM" at s (24:00 allowed as an end): minutes, or -1. */
static int
clock_minutes(const char *s, int is_end)
{
    if (strspn(s, "0123456789") != 2 || s[2] != ':' || strspn(s + 3, "0123456789") < 2) return -1;
    int h = (s[0] - '0') * 10 + s[1] - '0', m = (s[3] - '0') * 10 + s[4] - '0';
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !is_end))) return -1;
    return h * 60 + m;
}

static void
set_hours(lua_State *L, const struct lh_regctx *c, int val)
{
    const char *s = want_string(L, c, val, "window.hours");
    int from = strlen(s) == 11 && s[5] == '-' ? clock_minutes(s, 0) : -1;
    int to = from >= 0 ? clock_minutes(s + 6, 1) : -1;
    if (from < 0 || to < 0)
        lh_reg_fail(L, c, "window.hours: \"%.40s\" is not like \"08:00-20:00\"", s);
    if (from == to) lh_reg_fail(L, c, "window.hours: \"%.40s\" starts where it ends", s);
    lua_pushinteger(L, from);
    lua_setfield(L, c->rec, "start_min");
    lua_pushinteger(L, to);
    lua_setfield(L, c->rec, "end_min");
}

static int
day_index(const char *s, size_t len)
{
    static const char days[] = "montuewedthufrisatsun";
    if (len != 3) return -1;
    for (int i = 0; i < 7; i++)
        if (strncmp(days + 3 * i, s, 3) == 0) return i;
    return -1;
}

/* One "mon" or "fri-mon" (wrapping past Sunday); its day bits, or 0. */
static unsigned
day_span(const char *s, size_t len)
{
    const char *dash = memchr(s, '-', len);
    int from = day_index(s, dash ? (size_t)(dash - s) : len);
    int to = dash ? day_index(dash + 1, len - (size_t)(dash - s) - 1) : from;
    if (from < 0 || to < 0) return 0;
    unsigned bits = 0;
    for (int d = from;; d = (d + 1) % 7) {
        bits |= 1u << d;
        if (d == to) break;
    }
    return bits;
}

static void
set_days(lua_State *L, const struct lh_regctx *c, int val)
{
    const char *s = want_string(L, c, val, "window.days"), *p = s;
    unsigned bits = 0;
    for (;;) {
        size_t len = strcspn(p, ",");
        unsigned span = day_span(p, len);
        if (!span)
            lh_reg_fail(L, c,
                        "window.days: \"%.40s\" is not a list of days like \"mon-sat\" "
                        "or \"mon,wed,fri\"",
                        s);
        bits |= span;
        if (!p[len]) break;
        p += len + 1;
        p += strspn(p, " ");
    }
    lua_pushinteger(L, bits);
    lua_setfield(L, c->rec, "days");
}

static void
set_window_field(lua_State *L, const struct lh_regctx *c, const char *key, int val)
{
    if (strcmp(key, "hours") == 0)
        set_hours(L, c, val);
    else
        set_days(L, c, val);
}

void
lh_reg_window(lua_State *L, const struct lh_regctx *c, int val)
{
    static const char *const known[] = {"hours", "days", NULL};
    if (!lua_istable(L, val))
        lh_reg_fail(L, c, "window must be a table like { hours = \"08:00-20:00\" }, got %s",
                    type_of(L, val));
    lh_reg_walk_options(L, c, val, "window", known, set_window_field);
}

/*
 * ---------------------------------------------------------------
 * caps = { marketing = { "1/1d", "3/7d" } }
 * ---------------------------------------------------------------
 */

/* Append {count = N, per = secs} for "N/duration" (at `idx`) to the sequence at `caps`. */
static void
add_cap(lua_State *L, const struct lh_regctx *c, int caps, int idx)
{
    const char *s = want_string(L, c, idx, "caps.marketing");
    const char *slash = strchr(s, '/');
    size_t digits = strspn(s, "0123456789");
    long n = digits && digits <= 7 && s + digits == slash ? strtol(s, NULL, 10) : 0;
    char why[160];
    int64_t per;
    if (n < 1 || n > CAP_COUNT_MAX)
        lh_reg_fail(L, c, "caps.marketing: \"%.40s\" is not a cap like \"3/7d\" (count/period)", s);
    if (lh_duration_parse(slash + 1, &per, why, sizeof why) < 0)
        lh_reg_fail(L, c, "caps.marketing: \"%.40s\": %s", s, why);
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, n);
    lua_setfield(L, -2, "count");
    lua_pushinteger(L, per);
    lua_setfield(L, -2, "per");
    lua_rawseti(L, caps, (lua_Integer)lua_rawlen(L, caps) + 1);
}

static void
set_cap_category(lua_State *L, const struct lh_regctx *c, const char *key, int val)
{
    if (strcmp(key, "transactional") == 0)
        lh_reg_fail(L, c, "caps.transactional: transactional mail is never capped");
    lua_newtable(L);
    int caps = lua_gettop(L);
    if (lua_type(L, val) == LUA_TSTRING) {
        add_cap(L, c, caps, val);
    } else if (lua_istable(L, val) && lua_rawlen(L, val) > 0) {
        for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, val); i++) {
            lua_rawgeti(L, val, i);
            add_cap(L, c, caps, lua_gettop(L));
            lua_pop(L, 1);
        }
    } else {
        lh_reg_fail(L, c, "caps.%s must be a cap like \"3/7d\" or a list of them, got %s", key,
                    type_of(L, val));
    }
    lua_setfield(L, c->rec, "caps");
}

void
lh_reg_caps(lua_State *L, const struct lh_regctx *c, int val)
{
    static const char *const known[] = {"marketing", "transactional", NULL};
    if (!lua_istable(L, val))
        lh_reg_fail(L, c, "caps must be a table like { marketing = { \"3/7d\" } }, got %s",
                    type_of(L, val));
    lh_reg_walk_options(L, c, val, "caps", known, set_cap_category);
}

/* The string at `idx` must be a valid journey/segment name (`kind` for the message). */
void
lh_reg_check_name(lua_State *L, const struct lh_regctx *c, int idx, const char *kind)
{
    if (lua_type(L, idx) != LUA_TSTRING)
        lh_reg_fail(L, c, "%s name must be a string, got %s", kind, type_of(L, idx));
    const char *why = lh_reg_name_problem(lua_tostring(L, idx), 0);
    if (why) lh_reg_fail(L, c, "%s name \"%.70s\" %s", kind, lua_tostring(L, idx), why);
}
