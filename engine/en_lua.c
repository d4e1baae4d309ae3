/*
 * en_lua.c - the enrollment object `c` a journey step receives
 *
 * One en_lua_step() is one protected call (lh_pcall) that builds `c`,
 * calls j.<step>(c) and converts what the step chose. `c` is a userdata
 * whose fields are built on first read (a step that reads nothing pays
 * for one userdata and one table); methods record effects straight into
 * the caller's struct en_decision. `c` dies with the call: its __close
 * detaches it, so a script that keeps it gets an error, never a dangling
 * pointer. Misuse raises at the step's line; c:count and c:in_segment
 * return nil, err when the store fails.
 *
 * Step-facing names (doc/tern-lua.md "Journey steps"): contact event vars
 * journey step now; send set score emit count in_segment; wait wait_until
 * wait_for go exit.
 *
 * Depends on: lua/lh.h, lua/lh_reg.h, lua/lh_json.h, lua/lh_duration.h,
 * lib/events (event type syntax), en_time. Never on lua/'s internals.
 */
#include "en_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "en_time.h"
#include "events.h"
#include "lua/lh_duration.h"
#include "lua/lh_json.h"

#define C_MT         "tern.enrollment"
#define TEMPLATE_MAX 128
#define ATTR_MAX     64
#define INSTANT_MAX  253402300799.0 /* 9999-12-31T23:59:59Z: offsets cannot overflow */

struct steprun {
    const struct en_input *in;
    struct en_decision *d;
    const char *chosen; /* the transition already chosen, or NULL */
    char where[256];    /* "file:line" of the step function, once known */
};

struct cobj {
    struct steprun *run; /* NULL once the step returned */
};

/*
 * ---------------------------------------------------------------
 * checks (raise at the step's line)
 * ---------------------------------------------------------------
 */

static struct steprun *
live(lua_State *L)
{
    struct cobj *o = luaL_checkudata(L, 1, C_MT);
    if (!o->run) luaL_error(L, "c: the enrollment is gone (used after its step returned)");
    return o->run;
}

static const char *
check_step(lua_State *L, struct steprun *run, int arg, const char *fn)
{
    const char *step = luaL_checkstring(L, arg);
    if (!en_journey_has_step(run->in->journey, step))
        luaL_error(L, "%s: journey \"%s\" has no step \"%s\"", fn, run->in->journey->name, step);
    return step;
}

static const char *
check_event_type(lua_State *L, int arg, const char *fn)
{
    const char *type = luaL_checkstring(L, arg);
    const char *why = ev_type_problem(type);
    if (why) luaL_error(L, "%s: event type \"%s\": %s", fn, type, why);
    return type;
}

static int64_t
check_duration(lua_State *L, int arg, const char *fn)
{
    char why[128];
    int64_t secs;
    if (lh_duration_parse(luaL_checkstring(L, arg), &secs, why, sizeof why) < 0)
        luaL_error(L, "%s: %s", fn, why);
    return secs;
}

/* A transition may be chosen once per step. */
static void
choose(lua_State *L, struct steprun *run, const char *fn, enum en_kind kind)
{
    if (run->chosen)
        luaL_error(L, "%s: this step already chose %s (a step returns one transition)", fn,
                   run->chosen);
    run->chosen = fn;
    run->d->kind = kind;
}

/* Convert the value at `arg` to JSON (nil: NULL), raising with the reason. */
static json_t *
to_json(lua_State *L, int arg, const char *what)
{
    char why[256];
    if (lua_isnoneornil(L, arg)) return NULL;
    json_t *v = lh_json_from(L, arg, what, why, sizeof why);
    if (!v) luaL_error(L, "%s", why);
    return v;
}

static json_t *
to_object(lua_State *L, int arg, const char *what)
{
    if (!lua_isnoneornil(L, arg)) luaL_checktype(L, arg, LUA_TTABLE);
    json_t *v = to_json(L, arg, what);
    if (v && !json_is_object(v)) {
        json_decref(v);
        luaL_error(L, "%s must be a table with string keys, not a list", what);
    }
    return v;
}

/* Raise on a key of the options table at `arg` that is not in `known` (NULL-terminated), so
 * a misspelt option (dat = ...) is an error instead of being dropped. */
static void
check_options(lua_State *L, int arg, const char *fn, const char *const known[], const char *list)
{
    if (lua_isnoneornil(L, arg)) return;
    luaL_checktype(L, arg, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, arg)) {
        lua_pop(L, 1);
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        size_t i = 0;
        while (k && known[i] && strcmp(k, known[i]) != 0)
            i++;
        if (!k || !known[i])
            luaL_error(L, "%s: unknown option %s%s%s (it takes %s)", fn, k ? "\"" : "",
                       k ? k : luaL_typename(L, -1), k ? "\"" : " key", list);
    }
}

/* Room for one more effect in `*v` (holding `n`); the slot, or raise when full or out of memory. */
static void *
reserve(lua_State *L, void **v, size_t n, size_t size, size_t max, const char *fn)
{
    if (n >= max) luaL_error(L, "%s: more than %d calls in one step", fn, (int)max);
    void *p = realloc(*v, (n + 1) * size);
    if (!p) luaL_error(L, "%s: out of memory", fn);
    *v = p;
    return (char *)p + n * size;
}

static char *
dup_or_raise(lua_State *L, const char *s, json_t *owned)
{
    char *p = strdup(s);
    if (!p) {
        json_decref(owned);
        luaL_error(L, "out of memory");
    }
    return p;
}

/*
 * ---------------------------------------------------------------
 * transitions
 * ---------------------------------------------------------------
 */

static int
c_wait(lua_State *L)
{
    struct steprun *run = live(L);
    int64_t secs = check_duration(L, 2, "c:wait");
    const char *step = check_step(L, run, 3, "c:wait");
    choose(L, run, "c:wait", EN_WAIT);
    snprintf(run->d->next, sizeof run->d->next, "%s", step);
    run->d->wake_at = run->in->now + secs;
    lua_pushboolean(L, 1);
    return 1;
}

/* c:wait_until's time: Unix seconds or ISO 8601 text. */
static int64_t
in_range(lua_State *L, double t)
{
    if (!(t >= 0 && t <= INSTANT_MAX))
        luaL_error(L, "c:wait_until: the time must lie between 1970 and 9999");
    return (int64_t)t;
}

static int64_t
check_instant(lua_State *L, int arg)
{
    char why[128];
    int64_t t;
    if (lua_isinteger(L, arg)) return in_range(L, (double)lua_tointeger(L, arg));
    if (lua_type(L, arg) == LUA_TNUMBER) return in_range(L, floor(lua_tonumber(L, arg)));
    if (lua_type(L, arg) != LUA_TSTRING)
        luaL_error(L, "c:wait_until: the time must be an ISO 8601 string or Unix seconds, got %s%s",
                   luaL_typename(L, arg),
                   lua_isnil(L, arg) ? " (a missing contact attribute?)" : "");
    if (en_time_parse(lua_tostring(L, arg), &t, why, sizeof why) < 0)
        luaL_error(L, "c:wait_until: %s", why);
    return in_range(L, (double)t);
}

static int
c_wait_until(lua_State *L)
{
    struct steprun *run = live(L);
    int64_t at = check_instant(L, 2), off = 0;
    int steparg = lua_gettop(L) >= 4 ? 4 : 3;
    if (steparg == 4 && !lua_isnil(L, 3)) { /* c:wait_until(t, nil, step): no offset */
        char why[128];
        if (lh_offset_parse(luaL_checkstring(L, 3), &off, why, sizeof why) < 0)
            luaL_error(L, "c:wait_until: %s", why);
    }
    const char *step = check_step(L, run, steparg, "c:wait_until");
    choose(L, run, "c:wait_until", EN_WAIT);
    snprintf(run->d->next, sizeof run->d->next, "%s", step);
    at += off;
    run->d->wake_at = at > run->in->now ? at : run->in->now; /* a past time: run it at once */
    lua_pushboolean(L, 1);
    return 1;
}

static const char *
opt_step(lua_State *L, struct steprun *run, const char *key)
{
    char fn[48];
    lua_getfield(L, 3, key);
    if (lua_isnil(L, -1)) luaL_error(L, "c:wait_for: the options need %s", key);
    if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "c:wait_for: %s must be a step name", key);
    snprintf(fn, sizeof fn, "c:wait_for %s", key);
    const char *step = check_step(L, run, -1, fn);
    lua_pop(L, 1); /* the name stays alive: the options table holds it */
    return step;
}

static int
c_wait_for(lua_State *L)
{
    struct steprun *run = live(L);
    const char *type = check_event_type(L, 2, "c:wait_for");
    static const char *const known[] = {"timeout", "matched", "timed_out", NULL};
    luaL_checktype(L, 3, LUA_TTABLE);
    check_options(L, 3, "c:wait_for", known, "timeout, matched and timed_out");
    lua_getfield(L, 3, "timeout");
    if (lua_isnil(L, -1)) luaL_error(L, "c:wait_for: the options need timeout (a duration)");
    int64_t secs = check_duration(L, lua_gettop(L), "c:wait_for timeout");
    lua_pop(L, 1);
    char matched[LH_REG_NAME_MAX + 1], timed_out[LH_REG_NAME_MAX + 1];
    snprintf(matched, sizeof matched, "%s", opt_step(L, run, "matched"));
    snprintf(timed_out, sizeof timed_out, "%s", opt_step(L, run, "timed_out"));
    choose(L, run, "c:wait_for", EN_WAIT_FOR);
    struct en_decision *d = run->d;
    d->wait_event = dup_or_raise(L, type, NULL);
    memcpy(d->next, matched, sizeof d->next);
    memcpy(d->timed_out, timed_out, sizeof d->timed_out);
    d->wake_at = run->in->now + secs;
    lua_pushboolean(L, 1);
    return 1;
}

static int
c_go(lua_State *L)
{
    struct steprun *run = live(L);
    const char *step = check_step(L, run, 2, "c:go");
    choose(L, run, "c:go", EN_GO);
    snprintf(run->d->next, sizeof run->d->next, "%s", step);
    lua_pushboolean(L, 1);
    return 1;
}

static int
c_exit(lua_State *L)
{
    struct steprun *run = live(L);
    size_t len = 0;
    const char *reason = luaL_optlstring(L, 2, NULL, &len);
    if (reason && (len > 200 || strpbrk(reason, "\r\n")))
        luaL_error(L, "c:exit: the reason must be one line of at most 200 bytes");
    choose(L, run, "c:exit", EN_EXIT);
    if (reason) run->d->reason = dup_or_raise(L, reason, NULL);
    lua_pushboolean(L, 1);
    return 1;
}

/*
 * ---------------------------------------------------------------
 * effects
 * ---------------------------------------------------------------
 */

static const char *
check_template(lua_State *L, int arg)
{
    size_t len;
    const char *name = luaL_checklstring(L, arg, &len);
    if (len == 0 || len > TEMPLATE_MAX || strstr(name, "..") || name[0] == '/' ||
        strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-/") != len)
        luaL_error(L, "c:send: \"%s\" is not a template name (letters, digits, _ . - /)", name);
    return name;
}

static int
c_send(lua_State *L)
{
    struct steprun *run = live(L);
    const char *name = check_template(L, 2);
    struct en_decision *d = run->d;
    struct en_send *s =
        reserve(L, (void **)&d->sends, d->nsends, sizeof *s, EN_SENDS_MAX, "c:send");
    static const char *const known[] = {"data", NULL};
    check_options(L, 3, "c:send", known, "data");
    json_t *opts = to_object(L, 3, "c:send options");
    *s = (struct en_send){dup_or_raise(L, name, opts), opts};
    d->nsends++;
    return 0;
}

static const char *
check_attr(lua_State *L, int arg)
{
    size_t len;
    const char *a = luaL_checklstring(L, arg, &len);
    bool name = len > 0 && len <= ATTR_MAX && !(a[0] >= '0' && a[0] <= '9') &&
                strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == len;
    if (!name) luaL_error(L, "c:set: \"%s\" is not an attribute name (a Lua name)", a);
    if (strcmp(a, "email") == 0 || strcmp(a, "id") == 0 || strcmp(a, "tenant") == 0)
        luaL_error(L, "c:set: %s cannot be changed by a journey", a);
    return a;
}

/* c.contact shows the change for the rest of the step (built now if not yet read). */
static void
mirror_contact(lua_State *L, struct steprun *run, const char *attr, int value)
{
    lua_getiuservalue(L, 1, 1);
    if (lua_getfield(L, -1, "contact") != LUA_TTABLE) {
        lua_pop(L, 1);
        lh_json_push(L, run->in->contact);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, "contact");
    }
    lua_pushvalue(L, value);
    lua_setfield(L, -2, attr);
    lua_pop(L, 2);
}

static int
c_set(lua_State *L)
{
    struct steprun *run = live(L);
    const char *attr = check_attr(L, 2);
    luaL_checkany(L, 3);
    struct en_decision *d = run->d;
    struct en_set *s = reserve(L, (void **)&d->sets, d->nsets, sizeof *s, EN_EFFECT_MAX, "c:set");
    json_t *value = to_json(L, 3, "c:set value");
    if (!value && !(value = json_null())) luaL_error(L, "c:set: out of memory");
    *s = (struct en_set){dup_or_raise(L, attr, value), value};
    d->nsets++;
    mirror_contact(L, run, attr, 3);
    return 0;
}

static int
c_score(lua_State *L)
{
    struct steprun *run = live(L);
    lua_Number delta = luaL_checknumber(L, 2);
    if (!isfinite(delta)) luaL_error(L, "c:score: the delta must be a finite number");
    run->d->score += delta;
    return 0;
}

static int
c_emit(lua_State *L)
{
    struct steprun *run = live(L);
    const char *type = check_event_type(L, 2, "c:emit");
    struct en_decision *d = run->d;
    struct en_emit *e =
        reserve(L, (void **)&d->emits, d->nemits, sizeof *e, EN_EFFECT_MAX, "c:emit");
    json_t *data = to_object(L, 3, "c:emit data");
    if (!data && !(data = json_object())) luaL_error(L, "c:emit: out of memory");
    *e = (struct en_emit){dup_or_raise(L, type, data), data};
    d->nemits++;
    return 0;
}

/*
 * ---------------------------------------------------------------
 * reads through the store
 * ---------------------------------------------------------------
 */

/* {since = "7d"} counts the last 7 days; {since = <Unix seconds>} from then; none: ever. */
static int64_t
opt_since(lua_State *L, struct steprun *run)
{
    if (lua_isnoneornil(L, 3)) return INT64_MIN;
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_getfield(L, 3, "since");
    int64_t since = INT64_MIN;
    if (lua_isinteger(L, -1))
        since = (int64_t)lua_tointeger(L, -1);
    else if (!lua_isnil(L, -1))
        since = run->in->now - check_duration(L, lua_gettop(L), "c:count since");
    lua_pop(L, 1);
    return since;
}

static int
fail_soft(lua_State *L, const char *err)
{
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
}

static int
c_count(lua_State *L)
{
    struct steprun *run = live(L);
    const char *type = check_event_type(L, 2, "c:count");
    int64_t since = opt_since(L, run), n;
    char err[256];
    const struct en_store *s = run->in->store;
    if (!s || !s->ops->count) return fail_soft(L, "c:count: no event store in this context");
    if (s->ops->count(s->ctx, type, since, &n, err, sizeof err) < 0) return fail_soft(L, err);
    lua_pushinteger(L, (lua_Integer)n);
    return 1;
}

static int
c_in_segment(lua_State *L)
{
    struct steprun *run = live(L);
    const char *name = luaL_checkstring(L, 2);
    bool member;
    char err[256];
    const struct en_store *s = run->in->store;
    if (!s || !s->ops->in_segment) return fail_soft(L, "c:in_segment: no segment store here");
    int rc = s->ops->in_segment(s->ctx, name, &member, err, sizeof err);
    if (rc == EN_STORE_SCRIPT_ERROR) return luaL_error(L, "%s", err);
    if (rc < 0) return fail_soft(L, err);
    lua_pushboolean(L, member);
    return 1;
}

/*
 * ---------------------------------------------------------------
 * fields
 * ---------------------------------------------------------------
 */

static const luaL_Reg methods[] = {
    {"wait", c_wait},
    {"wait_until", c_wait_until},
    {"wait_for", c_wait_for},
    {"go", c_go},
    {"exit", c_exit},
    {"send", c_send},
    {"set", c_set},
    {"score", c_score},
    {"emit", c_emit},
    {"count", c_count},
    {"in_segment", c_in_segment},
    {NULL, NULL},
};

/* Build field `key` into the cache table at the top; false when there is no such field. */
static bool
build_field(lua_State *L, struct steprun *run, const char *key)
{
    const struct en_input *in = run->in;
    if (strcmp(key, "contact") == 0)
        lh_json_push(L, in->contact);
    else if (strcmp(key, "event") == 0)
        lh_json_push(L, in->event);
    else if (strcmp(key, "vars") == 0) {
        lh_json_push(L, in->enr->vars);
        if (lua_isnil(L, -1)) lua_pop(L, 1), lua_newtable(L);
    } else
        return false;
    return true;
}

static int
c_index(lua_State *L)
{
    struct steprun *run = live(L);
    const char *key = luaL_checkstring(L, 2);
    for (const luaL_Reg *m = methods; m->name; m++)
        if (strcmp(m->name, key) == 0) {
            lua_pushcfunction(L, m->func);
            return 1;
        }
    if (strcmp(key, "journey") == 0) return lua_pushstring(L, run->in->journey->name), 1;
    if (strcmp(key, "step") == 0) return lua_pushstring(L, run->in->enr->step), 1;
    if (strcmp(key, "now") == 0) return lua_pushinteger(L, (lua_Integer)run->in->now), 1;
    lua_getiuservalue(L, 1, 1);
    if (lua_getfield(L, -1, key) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    if (!build_field(L, run, key))
        return luaL_error(L, "c.%s: the enrollment has no such field", key);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, key);
    return 1;
}

static int
c_newindex(lua_State *L)
{
    live(L);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "vars") != 0)
        return luaL_error(L, "c.%s cannot be assigned (only c.vars)", key);
    if (!lua_istable(L, 3))
        return luaL_error(L, "c.vars must be a table, got %s", luaL_typename(L, 3));
    lua_getiuservalue(L, 1, 1);
    lua_pushvalue(L, 3);
    lua_setfield(L, -2, "vars");
    return 0;
}

static int
c_close(lua_State *L)
{
    ((struct cobj *)lua_touserdata(L, 1))->run = NULL;
    return 0;
}

/*
 * ---------------------------------------------------------------
 * the step
 * ---------------------------------------------------------------
 */

static void
metatable(lua_State *L)
{
    if (!luaL_newmetatable(L, C_MT)) return lua_pop(L, 1);
    lua_pushcfunction(L, c_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, c_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, c_close);
    lua_setfield(L, -2, "__close");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

/* c.vars back to JSON when the step read or replaced it; otherwise keep the old vars. */
static void
take_vars(lua_State *L, struct steprun *run)
{
    char why[256];
    lua_getiuservalue(L, 1, 1);
    if (lua_getfield(L, -1, "vars") == LUA_TNIL) {
        const json_t *old = run->in->enr->vars;
        run->d->vars = old ? json_deep_copy(old) : json_object();
    } else if (!(run->d->vars = lh_json_from(L, -1, "c.vars", why, sizeof why)))
        luaL_error(L, "%s", why);
    if (!run->d->vars) luaL_error(L, "c.vars: out of memory");
    if (!json_is_object(run->d->vars))
        luaL_error(L, "c.vars must be a table with string keys, not a list");
    size_t size = json_dumpb(run->d->vars, NULL, 0, JSON_COMPACT);
    if (size > EN_VARS_MAX)
        luaL_error(L, "c.vars: %I bytes as JSON, over the cap of %d", (lua_Integer)size,
                   (int)EN_VARS_MAX);
    lua_pop(L, 2);
}

/* "journeys/x.lua:12" of the step function on top of the stack, for errors without a line. */
static void
where_defined(lua_State *L, char *out, size_t outlen)
{
    lua_Debug ar;
    lua_pushvalue(L, -1);
    lua_getinfo(L, ">S", &ar);
    snprintf(out, outlen, "%s:%d", ar.short_src, ar.linedefined);
}

static int
step_entry(lua_State *L)
{
    struct steprun *run = lua_touserdata(L, 1);
    const struct lh_journey_info *j = run->in->journey;
    lua_settop(L, 0);
    metatable(L);
    struct cobj *o = lua_newuserdatauv(L, sizeof *o, 1);
    o->run = NULL;
    luaL_setmetatable(L, C_MT);
    lua_toclose(L, 1); /* detaches c however this call ends */
    lua_newtable(L);
    lua_setiuservalue(L, 1, 1);
    o->run = run;
    if (lh_reg_push_step(L, j->name, run->in->enr->step) != LUA_TFUNCTION)
        return luaL_error(L, "%s:%d: journey \"%s\" has no step \"%s\"", j->file, j->line, j->name,
                          run->in->enr->step);
    where_defined(L, run->where, sizeof run->where);
    lua_pushvalue(L, 1);
    lua_call(L, 1, 0);
    if (!run->chosen)
        return luaL_error(L,
                          "%s: journey \"%s\": step \"%s\" returned no transition (end it with "
                          "c:wait, c:wait_until, c:wait_for, c:go or c:exit)",
                          run->where, j->name, run->in->enr->step);
    take_vars(L, run);
    return 0;
}

/* Does `msg` start with a position, "file:line:"? (memory errors have none) */
static bool
has_position(const char *msg)
{
    const char *colon = strchr(msg, ':');
    if (!colon || colon == msg || memchr(msg, ' ', (size_t)(colon - msg))) return false;
    size_t digits = strspn(colon + 1, "0123456789");
    return digits > 0 && colon[1 + digits] == ':';
}

/* Keep the first line of a host error, and give it the step's position when it has none. */
static void
tidy_error(const struct steprun *run, char *err, size_t errlen)
{
    char *nl = strchr(err, '\n');
    if (nl) *nl = '\0';
    if (has_position(err) || !run->where[0]) return;
    char msg[EN_REASON_MAX];
    snprintf(msg, sizeof msg, "%s", err);
    snprintf(err, errlen, "%s: journey \"%s\": step \"%s\": %s", run->where, run->in->journey->name,
             run->in->enr->step, msg);
}

int
en_lua_step(struct lh_state *st, const struct en_input *in, struct en_decision *d, char *err,
            size_t errlen)
{
    struct steprun run = {.in = in, .d = d};
    lua_State *L = lh_lua(st);
    lua_settop(L, 0);
    lua_pushcfunction(L, step_entry);
    lua_pushlightuserdata(L, &run);
    int status = lh_pcall(st, 1, 0, err, errlen);
    if (status != LUA_OK) tidy_error(&run, err, errlen);
    return status;
}
