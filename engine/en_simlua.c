/*
 * en_simlua.c - simulate{...}: spec from Lua, timeline in a second state, result to Lua
 *
 * Data flows one way. The spec is read into a `struct run` that lives in a
 * userdata (its __gc frees what it holds, so a Lua error at any point
 * leaks nothing); everything that can raise happens before the second
 * state is leased or after it is given back. While it is leased, only C
 * runs here: en_sim_run steps the journeys in that state and the entries
 * are copied into the run.
 *
 * The result's `contact` is the simulated contact as it ended up, as the
 * timeline hands it back (en_sim_opts.contact_out).
 */
#include "en_simlua.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "en_sim.h"
#include "en_time.h"
#include "events.h"
#include "lua/lh_duration.h"
#include "lua/lh_json.h"
#include "lua/lh_reg.h"
#include "tplpath.h"

#define RUN_MT        "tern.simulate.run"
#define TIMELINE_MT   "tern.simulate.timeline"
#define DEFAULT_START "2026-01-05T09:00:00Z" /* a Monday, 09:00 UTC */
#define DEFAULT_DAYS  30
#define DAYS_MAX      3650
#define JOURNEYS_MAX  64
#define EVENTS_MAX    10000

/* The spec's fields, in this order on the stack after the spec and the run. */
static const char *const options[] = {"journey", "contact", "events", "start",
                                      "days",    "policy",  NULL};
enum { SPEC = 1, RUN, JOURNEY, CONTACT, EVENTS, START, DAYS, POLICY };

struct entry {
    int64_t at;
    enum en_sim_kind kind;
    char *journey, *step, *template_name, *detail; /* each may be NULL */
};

struct run {
    const char *journeys[JOURNEYS_MAX]; /* borrowed from the spec on the stack */
    size_t njourneys;
    const char *policy, *templates_dir;
    json_t *contact, *final; /* the spec's contact; the one the timeline ended with */
    struct en_sim_event *events;
    size_t nevents;
    int64_t start, end;
    struct entry *v;
    size_t n, cap;
    bool oom;
    char missing[512]; /* the first send of a template --templates does not hold */
};

/* Raise "file:line: simulate: ..." at the test's line. */
static int
fail(lua_State *L, const char *fmt, ...)
{
    va_list ap;
    luaL_where(L, 1);
    lua_pushliteral(L, "simulate: ");
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    lua_concat(L, 3);
    return lua_error(L);
}

/*
 * ---------------------------------------------------------------
 * the run and what it owns
 * ---------------------------------------------------------------
 */

static void
run_clear(struct run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].journey), free(r->v[i].step);
        free(r->v[i].template_name), free(r->v[i].detail);
    }
    free(r->v);
    en_sim_events_free(r->events, r->nevents);
    json_decref(r->contact);
    json_decref(r->final);
    r->v = NULL, r->events = NULL, r->contact = NULL, r->final = NULL;
    r->n = r->cap = r->nevents = 0;
}

static int
run_gc(lua_State *L)
{
    run_clear(lua_touserdata(L, 1));
    return 0;
}

static struct run *
push_run(lua_State *L)
{
    struct run *r = lua_newuserdatauv(L, sizeof *r, 0);
    memset(r, 0, sizeof *r);
    if (luaL_newmetatable(L, RUN_MT)) {
        lua_pushcfunction(L, run_gc);
        lua_setfield(L, -2, "__gc"); /* C code only: scripts never see a run */
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
    return r;
}

/*
 * ---------------------------------------------------------------
 * reading the spec (Lua -> C)
 * ---------------------------------------------------------------
 */

static void
check_options(lua_State *L)
{
    lua_pushnil(L);
    while (lua_next(L, SPEC)) {
        bool known = false;
        for (size_t i = 0; options[i] && lua_type(L, -2) == LUA_TSTRING; i++)
            known |= strcmp(lua_tostring(L, -2), options[i]) == 0;
        if (!known)
            fail(L, "unknown option %s (known: journey, contact, events, start, days, policy)",
                 luaL_tolstring(L, -2, NULL));
        lua_pop(L, 1);
    }
}

static void
read_journeys(lua_State *L, struct run *r)
{
    static const char want[] = "journey: want a file like \"journeys/welcome.lua\" or a list";
    if (lua_type(L, JOURNEY) == LUA_TSTRING) {
        r->journeys[r->njourneys++] = lua_tostring(L, JOURNEY);
        return;
    }
    if (!lua_istable(L, JOURNEY) || lua_rawlen(L, JOURNEY) == 0) fail(L, "%s", want);
    for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, JOURNEY); i++) {
        if (lua_rawgeti(L, JOURNEY, i) != LUA_TSTRING || r->njourneys == JOURNEYS_MAX)
            fail(L, "%s of at most %d files", want, JOURNEYS_MAX);
        r->journeys[r->njourneys++] = lua_tostring(L, -1); /* the list keeps it alive */
        lua_pop(L, 1);
    }
}

static void
read_clock(lua_State *L, struct run *r)
{
    char why[160];
    if (!lua_isnil(L, START) && lua_type(L, START) != LUA_TSTRING)
        fail(L, "start: want ISO 8601 text like \"2026-01-05T09:00:00Z\"");
    const char *start = lua_isnil(L, START) ? DEFAULT_START : lua_tostring(L, START);
    if (en_time_parse(start, &r->start, why, sizeof why) < 0) fail(L, "start: %s", why);
    lua_Integer days = DEFAULT_DAYS;
    if (!lua_isnil(L, DAYS) &&
        (!lua_isinteger(L, DAYS) || (days = lua_tointeger(L, DAYS)) < 1 || days > DAYS_MAX))
        fail(L, "days: want a whole number of days (1..%d)", DAYS_MAX);
    r->end = r->start + days * 86400;
    if (!lua_isnil(L, POLICY) && lua_type(L, POLICY) != LUA_TSTRING)
        fail(L, "policy: want the policy's file, like \"policy.lua\"");
    r->policy = lua_tostring(L, POLICY);
}

/* The default contact of `tern simulate`, with the spec's fields over it. */
static void
read_contact(lua_State *L, struct run *r)
{
    char why[256];
    r->contact = json_pack("{s:i, s:s, s:s, s:s}", "id", 1, "email", "contact@example.com",
                           "tenant", "default", "timezone", "UTC");
    if (!r->contact) fail(L, "out of memory");
    if (lua_isnil(L, CONTACT)) return;
    if (!lua_istable(L, CONTACT)) fail(L, "contact: want a table like { first_name = \"Ada\" }");
    json_t *given = lh_json_from(L, CONTACT, "contact", why, sizeof why);
    if (!given) fail(L, "%s", why);
    int rc = json_is_object(given) ? json_object_update(r->contact, given) : -1;
    json_decref(given);
    if (rc < 0) fail(L, "contact: want a table with field names, like { first_name = \"Ada\" }");
}

/* An event's "at": an offset ("0", "3d"), seconds after the start, or ISO 8601. */
static int
event_at(const json_t *v, int64_t start, int64_t *at, char *why, size_t whylen)
{
    int64_t off;
    const char *text = json_string_value(v);
    *at = start;
    if (!v) return 0;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        if (json_integer_value(v) > LH_DURATION_MAX)
            return snprintf(why, whylen, "at: %" JSON_INTEGER_FORMAT " s is more than 100 years",
                            json_integer_value(v)),
                   -1;
        *at = start + json_integer_value(v);
        return 0;
    }
    if (!text)
        return snprintf(why, whylen, "at: want an offset like \"3d\", seconds or ISO 8601"), -1;
    if (strlen(text) >= 10 && text[4] == '-') return en_time_parse(text, at, why, whylen);
    if (lh_offset_parse(text, &off, why, whylen) < 0) return -1;
    if (off < 0) return snprintf(why, whylen, "at: \"%s\" is before the start", text), -1;
    *at = start + off;
    return 0;
}

/* Append {at, type, data} to the run's events; -1 with why. */
static int
add_event(struct run *r, const json_t *item, char *why, size_t whylen)
{
    const char *type = json_string_value(json_object_get(item, "type"));
    const json_t *data = json_object_get(item, "data");
    const char *problem;
    int64_t at;
    if (!json_is_object(item)) return snprintf(why, whylen, "want { at = ..., type = ... }"), -1;
    if (!type) return snprintf(why, whylen, "type: want an event type"), -1;
    if ((problem = ev_type_problem(type)))
        return snprintf(why, whylen, "type \"%.64s\": %s", type, problem), -1;
    if (data && !json_is_object(data)) return snprintf(why, whylen, "data: want a table"), -1;
    if (event_at(json_object_get(item, "at"), r->start, &at, why, whylen) < 0) return -1;
    struct en_sim_event *v = realloc(r->events, (r->nevents + 1) * sizeof *v);
    if (!v) return snprintf(why, whylen, "out of memory"), -1;
    r->events = v;
    v[r->nevents] = (struct en_sim_event){at, strdup(type), data ? json_deep_copy(data) : NULL};
    if (!v[r->nevents].type || (data && !v[r->nevents].data)) {
        free(v[r->nevents].type), json_decref(v[r->nevents].data);
        return snprintf(why, whylen, "out of memory"), -1;
    }
    r->nevents++;
    return 0;
}

/* A list of { at = ..., type = ..., data = ... }, or the inline "TYPE@OFFSET,..." text. */
static void
read_events(lua_State *L, struct run *r)
{
    char why[512];
    if (lua_isnil(L, EVENTS)) return;
    if (lua_type(L, EVENTS) == LUA_TSTRING) {
        const char *spec = lua_tostring(L, EVENTS);
        if (spec[0] == '@') fail(L, "events: a test cannot read files; give a list");
        if (en_sim_events_parse(spec, r->start, &r->events, &r->nevents, why, sizeof why) < 0)
            fail(L, "events: %s", why + (strncmp(why, "--events: ", 10) ? 0 : 10));
        return;
    }
    if (!lua_istable(L, EVENTS)) fail(L, "events: want a list of { at = ..., type = ... }");
    json_t *list = lh_json_from(L, EVENTS, "events", why, sizeof why);
    if (!list) fail(L, "%s", why);
    size_t n = json_array_size(list);
    int rc = json_is_array(list) || json_object_size(list) == 0 ? 0 : -1; /* {} is no events */
    if (rc < 0) snprintf(why, sizeof why, "want a list of { at = ..., type = ... }");
    if (n > EVENTS_MAX) rc = -1, snprintf(why, sizeof why, "more than %d events", EVENTS_MAX);
    size_t i = 0;
    for (; rc == 0 && i < n; i++)
        rc = add_event(r, json_array_get(list, i), why, sizeof why);
    json_decref(list);
    if (rc < 0 && i) fail(L, "events[%d]: %s", (int)i, why);
    if (rc < 0) fail(L, "events: %s", why);
}

/*
 * ---------------------------------------------------------------
 * the timeline (C only: the second state is leased)
 * ---------------------------------------------------------------
 */

static char *
dup_or_null(const char *s, bool *oom)
{
    char *d = s ? strdup(s) : NULL;
    *oom |= s && !d;
    return d;
}

/* Is there a template file for this send, as the sender will look it up (tenant first)? */
static bool
template_exists(const struct run *r, const char *name)
{
    char path[4096];
    const char *tenant = json_string_value(json_object_get(r->contact, "tenant"));
    return tplpath_find(r->templates_dir, tenant, name, TPLPATH_TEMPLATE, path, sizeof path) == 1;
}

static void
collect(void *ctx, const struct en_sim_entry *e)
{
    struct run *r = ctx;
    if (r->templates_dir && e->kind == EN_SIM_SEND && !r->missing[0] &&
        !template_exists(r, e->template_name))
        snprintf(r->missing, sizeof r->missing, "%s sends template \"%s\": no %s.tpl in %s",
                 e->journey, e->template_name, e->template_name, r->templates_dir);
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        struct entry *v = realloc(r->v, cap * sizeof *v);
        if (!v) {
            r->oom = true;
            return;
        }
        r->v = v, r->cap = cap;
    }
    struct entry *x = &r->v[r->n++];
    x->at = e->at - r->start;
    x->kind = e->kind;
    x->journey = dup_or_null(e->journey, &r->oom);
    x->step = dup_or_null(e->step, &r->oom);
    x->template_name = dup_or_null(e->template_name, &r->oom);
    x->detail = dup_or_null(e->detail, &r->oom);
}

static bool
listed(const struct run *r, const char *file)
{
    for (size_t i = 0; i < r->njourneys; i++)
        if (strcmp(r->journeys[i], file) == 0) return true;
    return false;
}

static bool
registers(const struct lh_reg *view, const char *file)
{
    for (size_t k = 0; k < view->njourneys; k++)
        if (strcmp(view->journeys[k].file, file) == 0) return true;
    return false;
}

/*
 * The journeys of the listed files (in registration order, as tern
 * simulate loads them), and the policy only when the spec names its file.
 */
static int
select_view(const struct lh_reg *reg, const struct run *r, struct lh_reg *view, char *err,
            size_t errlen)
{
    *view = *reg;
    view->njourneys = 0;
    view->journeys = calloc(reg->njourneys ? reg->njourneys : 1, sizeof *view->journeys);
    if (!view->journeys) return snprintf(err, errlen, "simulate: out of memory"), -1;
    for (size_t k = 0; k < reg->njourneys; k++)
        if (listed(r, reg->journeys[k].file)) view->journeys[view->njourneys++] = reg->journeys[k];
    for (size_t i = 0; i < r->njourneys; i++)
        if (!registers(view, r->journeys[i]))
            return snprintf(err, errlen, "simulate: %s registers no journey", r->journeys[i]), -1;
    if (r->policy && (!reg->policy.defined || strcmp(reg->policy.file, r->policy) != 0))
        return snprintf(err, errlen, "simulate: policy: %s registers no policy", r->policy), -1;
    if (!r->policy) view->policy = (struct lh_policy_info){0}; /* nothing capped */
    return 0;
}

static int
run_timeline(struct run *r, struct lh_state *st, char *err, size_t errlen)
{
    struct lh_reg *reg = NULL, view = {0};
    int rc = lh_reg_get(st, &reg, err, errlen);
    if (rc == 0) rc = select_view(reg, r, &view, err, errlen);
    if (rc == 0) {
        struct en_sim_opts o = {r->contact, r->events, r->nevents, r->start, r->end, &r->final};
        rc = en_sim_run(st, &view, &o, collect, r, err, errlen);
    }
    free(view.journeys);
    lh_reg_free(reg);
    return rc;
}

/*
 * ---------------------------------------------------------------
 * the result (C -> Lua) and its methods
 * ---------------------------------------------------------------
 */

static void
set_string(lua_State *L, const char *key, const char *value)
{
    if (!value) return;
    lua_pushstring(L, value);
    lua_setfield(L, -2, key);
}

static void
push_entry(lua_State *L, const struct entry *e)
{
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, (lua_Integer)e->at);
    lua_setfield(L, -2, "at");
    set_string(L, "journey", e->journey);
    set_string(L, "kind", en_sim_kind_name(e->kind));
    set_string(L, "step", e->step);
    set_string(L, "template", e->template_name);
    set_string(L, "detail", e->detail);
}

/* Is field `key` of the table at `idx` the string `want`? */
static bool
field_is(lua_State *L, int idx, const char *key, const char *want)
{
    lua_getfield(L, idx, key);
    const char *s = lua_tostring(L, -1);
    bool yes = s && strcmp(s, want) == 0;
    lua_pop(L, 1);
    return yes;
}

/* A list of `field` (NULL: the entry itself) of the entries of `kind` (NULL: all). */
static int
gather(lua_State *L, const char *kind, const char *field)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1), out = 0;
    lua_createtable(L, 0, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 1, i);
        if (lua_istable(L, -1) && (!kind || field_is(L, -1, "kind", kind))) {
            if (field)
                lua_getfield(L, -1, field);
            else
                lua_pushvalue(L, -1);
            lua_rawseti(L, -3, ++out);
        }
        lua_pop(L, 1);
    }
    return 1;
}

static int
t_sent(lua_State *L)
{
    return gather(L, "send", "template");
}

static int
t_kinds(lua_State *L)
{
    return gather(L, NULL, "kind");
}

static int
t_of(lua_State *L)
{
    return gather(L, luaL_checkstring(L, 2), NULL);
}

/* t:find(kind, [name]): the first entry of `kind` whose template or step is `name`. */
static int
t_find(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    const char *kind = luaL_checkstring(L, 2), *name = luaL_optstring(L, 3, NULL);
    for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, 1); i++) {
        lua_rawgeti(L, 1, i);
        if (lua_istable(L, -1) && field_is(L, -1, "kind", kind) &&
            (!name || field_is(L, -1, "template", name) || field_is(L, -1, "step", name)))
            return 1;
        lua_pop(L, 1);
    }
    lua_pushnil(L);
    return 1;
}

/*
 * t:ended([journey]): the last exit or goal entry (of `journey`), or nil
 * while it still runs (it has not ended, or entered again since).
 */
static int
t_ended(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    const char *journey = luaL_optstring(L, 2, NULL);
    for (lua_Integer i = (lua_Integer)lua_rawlen(L, 1); i >= 1; i--) {
        lua_rawgeti(L, 1, i);
        bool mine = lua_istable(L, -1) && (!journey || field_is(L, -1, "journey", journey));
        if (mine && (field_is(L, -1, "kind", "exit") || field_is(L, -1, "kind", "goal"))) return 1;
        if (mine && field_is(L, -1, "kind", "enter")) break;
        lua_pop(L, 1);
    }
    lua_pushnil(L);
    return 1;
}

static void
push_timeline_mt(lua_State *L)
{
    static const luaL_Reg methods[] = {{"sent", t_sent}, {"kinds", t_kinds}, {"of", t_of},
                                       {"find", t_find}, {"ended", t_ended}, {NULL, NULL}};
    if (!luaL_newmetatable(L, TIMELINE_MT)) return;
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
}

static void
push_timeline(lua_State *L, const struct run *r)
{
    lua_createtable(L, (int)r->n, 1);
    for (size_t i = 0; i < r->n; i++) {
        push_entry(L, &r->v[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lh_json_push(L, r->final);
    lua_setfield(L, -2, "contact");
    push_timeline_mt(L);
    lua_setmetatable(L, -2);
}

/*
 * ---------------------------------------------------------------
 * simulate(spec)
 * ---------------------------------------------------------------
 */

int
en_simlua_simulate(lua_State *L)
{
    const struct en_simlua *ctx = lua_touserdata(L, lua_upvalueindex(1));
    char err[4096];
    if (!lua_istable(L, SPEC)) fail(L, "want a table: simulate { journey = ..., events = ... }");
    lua_settop(L, SPEC);
    check_options(L);
    struct run *r = push_run(L);
    for (size_t i = 0; options[i]; i++)
        lua_getfield(L, SPEC, options[i]); /* JOURNEY .. POLICY, kept on the stack */
    r->templates_dir = ctx->templates_dir;
    read_journeys(L, r);
    read_clock(L, r);
    read_contact(L, r);
    read_events(L, r);
    struct lh_state *st = lh_lease(ctx->pool, err, sizeof err);
    if (!st) fail(L, "%s", err);
    int rc = run_timeline(r, st, err, sizeof err);
    lh_release(st);
    if (rc < 0) fail(L, "%s", err + (strncmp(err, "simulate: ", 10) ? 0 : 10));
    if (r->oom) fail(L, "out of memory");
    if (r->missing[0]) fail(L, "%s", r->missing);
    push_timeline(L, r);
    run_clear(r);
    return 1;
}
