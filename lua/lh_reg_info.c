/*
 * lh_reg_info.c - reading registrations back: post-load checks, the C copy,
 * and pushing registered functions for the engine's bindings
 *
 * Everything that walks the registry runs inside a protected call of the
 * leased state (lh_pcall), because reading Lua strings and tables can
 * raise a memory error; C memory is malloc'd and freed with the copy, also
 * when a copy is abandoned half-way.
 */
#include "lh_reg_int.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lh_int.h"

/*
 * ---------------------------------------------------------------
 * post-load validation
 * ---------------------------------------------------------------
 */

/* Stack slots of validate_entry. */
enum { V_SKIP = 1, V_PROBLEMS, V_JOURNEYS };

/* Files whose journeys are not checked (lint: files that failed to load). */
struct skiplist {
    const char *const *files;
    size_t n;
};

/* Append "file:line: journey \"name\": <fmt with a and b>" to the problems. */
static void
journey_problem(lua_State *L, int rec, const char *fmt, const char *a, const char *b)
{
    lua_getfield(L, rec, "file");
    lua_getfield(L, rec, "line");
    lua_getfield(L, rec, "name");
    lua_pushfstring(L, "%s:%d: journey \"%s\": ", lua_tostring(L, -3), (int)lua_tointeger(L, -2),
                    lua_tostring(L, -1));
    lua_pushfstring(L, fmt, a, b);
    lua_concat(L, 2);
    lua_rawseti(L, V_PROBLEMS, (lua_Integer)lua_rawlen(L, V_PROBLEMS) + 1);
    lua_pop(L, 3);
}

/* Every field of j is a step function with a Lua name, and j.start is one of them. */
static void
check_steps(lua_State *L, int rec)
{
    lua_getfield(L, rec, "j");
    int j = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, j)) {
        if (lua_type(L, -2) != LUA_TSTRING || lh_reg_name_problem(lua_tostring(L, -2), 1))
            journey_problem(L, rec, "the journey table holds a %s key that is not a step name%s",
                            luaL_typename(L, -2), "");
        else if (!lua_isfunction(L, -1))
            journey_problem(L, rec, "j.%s must be a step function, got %s", lua_tostring(L, -2),
                            luaL_typename(L, -1));
        lua_pop(L, 1);
    }
    if (lua_getfield(L, j, "start") == LUA_TNIL)
        journey_problem(L, rec, "has no start step (define function j.start(c) ... end)%s%s", "",
                        "");
    lua_settop(L, j - 1);
}

/* Every in_segment of the entry names a segment some script defined. */
static void
check_segments(lua_State *L, int rec)
{
    lua_getfield(L, rec, "entry");
    int entry = lua_gettop(L);
    lh_reg_slot(L, REG_SEGMENT_NAMES);
    for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, entry); i++) {
        enum lh_trigger_kind kind;
        lua_rawgeti(L, entry, i);
        lh_reg_is_trigger(L, -1, &kind);
        lua_getiuservalue(L, -1, 1);
        if (kind == LH_TRIGGER_SEGMENT && lua_rawget(L, entry + 1) == LUA_TNIL) {
            lua_getiuservalue(L, -2, 1);
            journey_problem(L, rec, "entry in_segment \"%s\": no segment \"%s\" is defined",
                            lua_tostring(L, -1), lua_tostring(L, -1));
        }
        lua_settop(L, entry + 1);
    }
    lua_settop(L, entry - 1);
}

static bool
skipped(lua_State *L, int rec, const struct skiplist *skip)
{
    lua_getfield(L, rec, "file");
    const char *file = lua_tostring(L, -1);
    bool found = false;
    for (size_t i = 0; skip && file && i < skip->n && !found; i++)
        found = strcmp(skip->files[i], file) == 0;
    lua_pop(L, 1);
    return found;
}

static int
validate_entry(lua_State *L)
{
    const struct skiplist *skip = lua_touserdata(L, V_SKIP);
    lua_settop(L, V_SKIP);
    lua_newtable(L); /* V_PROBLEMS */
    lh_reg_slot(L, REG_JOURNEYS);
    for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, V_JOURNEYS); i++) {
        lua_rawgeti(L, V_JOURNEYS, i);
        if (!skipped(L, V_JOURNEYS + 1, skip)) {
            check_steps(L, V_JOURNEYS + 1);
            check_segments(L, V_JOURNEYS + 1);
        }
        lua_pop(L, 1);
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, V_PROBLEMS);
    if (n > 0) { /* every problem, one per line */
        lua_settop(L, V_PROBLEMS);
        luaL_checkstack(L, (int)(2 * n), "too many problems to report");
        for (lua_Integer i = 1; i <= n; i++) {
            if (i > 1) lua_pushliteral(L, "\n");
            lua_rawgeti(L, V_PROBLEMS, i);
        }
        lua_concat(L, (int)(2 * n - 1));
        return lua_error(L);
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &lh_reg_root_key);
    lua_pushboolean(L, 1);
    lua_rawseti(L, -2, REG_SEALED);
    return 0;
}

int
lh_reg_validate_except(struct lh_state *st, const char *const *skip, size_t nskip, char *err,
                       size_t errlen)
{
    struct skiplist list = {skip, nskip};
    lua_State *L = lh_lua(st);
    lua_settop(L, 0);
    lua_pushcfunction(L, validate_entry);
    lua_pushlightuserdata(L, &list);
    return lh_pcall(st, 1, 0, err, errlen) == LUA_OK ? 0 : -1;
}

int
lh_reg_validate(struct lh_state *st, char *err, size_t errlen)
{
    return lh_reg_validate_except(st, NULL, 0, err, errlen);
}

/*
 * ---------------------------------------------------------------
 * the C copy
 * ---------------------------------------------------------------
 */

static void *
zalloc(lua_State *L, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) luaL_error(L, "lua: out of memory copying the registrations");
    return p;
}

/* strdup of string field `key` of the table at `t`; NULL when absent. */
static char *
dup_field(lua_State *L, int t, const char *key)
{
    char *s = NULL;
    if (lua_getfield(L, t, key) == LUA_TSTRING) {
        s = strdup(lua_tostring(L, -1));
        if (!s) luaL_error(L, "lua: out of memory copying the registrations");
    }
    lua_pop(L, 1);
    return s;
}

static lua_Integer
int_field(lua_State *L, int t, const char *key, lua_Integer dflt)
{
    lua_getfield(L, t, key);
    lua_Integer v = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : dflt;
    lua_pop(L, 1);
    return v;
}

/* A sequence of strings at field `key` of `t`. */
static void
copy_strings(lua_State *L, int t, const char *key, char ***out, size_t *n)
{
    if (lua_getfield(L, t, key) == LUA_TTABLE) {
        size_t len = lua_rawlen(L, -1);
        *out = zalloc(L, len, sizeof **out);
        for (size_t i = 0; i < len; i++, (*n)++) {
            lua_rawgeti(L, -1, (lua_Integer)i + 1);
            (*out)[i] = strdup(lua_tostring(L, -1));
            lua_pop(L, 1);
            if (!(*out)[i]) luaL_error(L, "lua: out of memory copying the registrations");
        }
    }
    lua_pop(L, 1);
}

static void
copy_triggers(lua_State *L, int rec, const char *key, struct lh_triggers *tr)
{
    if (lua_getfield(L, rec, key) == LUA_TTABLE) {
        size_t len = lua_rawlen(L, -1);
        tr->v = zalloc(L, len, sizeof *tr->v);
        for (size_t i = 0; i < len; i++, tr->n++) {
            lua_rawgeti(L, -1, (lua_Integer)i + 1);
            lh_reg_is_trigger(L, -1, &tr->v[i].kind);
            tr->v[i].filtered = lua_getiuservalue(L, -1, 2) == LUA_TFUNCTION;
            lua_getiuservalue(L, -2, 1);
            tr->v[i].name = strdup(lua_tostring(L, -1));
            lua_pop(L, 3);
            if (!tr->v[i].name) luaL_error(L, "lua: out of memory copying the registrations");
        }
    }
    lua_pop(L, 1);
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
copy_steps(lua_State *L, int rec, struct lh_journey_info *ji)
{
    lua_getfield(L, rec, "j");
    size_t cap = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        cap++;
    }
    ji->steps = zalloc(L, cap, sizeof *ji->steps);
    lua_pushnil(L);
    while (lua_next(L, -2) && ji->nsteps < cap) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) continue;
        if (!(ji->steps[ji->nsteps] = strdup(lua_tostring(L, -1))))
            luaL_error(L, "lua: out of memory copying the registrations");
        ji->nsteps++;
    }
    lua_settop(L, rec);
    qsort(ji->steps, ji->nsteps, sizeof *ji->steps, cmp_str);
}

static void
copy_journey(lua_State *L, int rec, void *out)
{
    struct lh_journey_info *ji = out;
    ji->name = dup_field(L, rec, "name");
    ji->file = dup_field(L, rec, "file");
    ji->line = (int)int_field(L, rec, "line", 0);
    copy_triggers(L, rec, "entry", &ji->entry);
    copy_triggers(L, rec, "exit", &ji->exit);
    copy_triggers(L, rec, "goal", &ji->goal);
    ji->reentry = (enum lh_reentry)int_field(L, rec, "reentry", LH_REENTRY_NEVER);
    ji->cooldown_s = int_field(L, rec, "cooldown", 0);
    ji->category = (enum lh_category)int_field(L, rec, "category", LH_CATEGORY_MARKETING);
    ji->priority = (int)int_field(L, rec, "priority", 50);
    ji->window.start_min = (unsigned)int_field(L, rec, "start_min", -1);
    ji->window.all_day = int_field(L, rec, "start_min", -1) < 0;
    ji->window.end_min = (unsigned)int_field(L, rec, "end_min", 0);
    ji->window.days = (unsigned)int_field(L, rec, "days", 0x7f);
    if (ji->window.all_day) ji->window.start_min = 0, ji->window.end_min = 24 * 60;
    copy_strings(L, rec, "tenants", &ji->tenants, &ji->ntenants);
    copy_steps(L, rec, ji);
}

static void
copy_segment(lua_State *L, int rec, void *out)
{
    struct lh_segment_info *si = out;
    si->name = dup_field(L, rec, "name");
    si->file = dup_field(L, rec, "file");
    si->line = (int)int_field(L, rec, "line", 0);
    si->sql = dup_field(L, rec, "sql");
    si->refresh_s = int_field(L, rec, "refresh", 3600);
    si->tenant = dup_field(L, rec, "tenant");
}

static void
copy_policy(lua_State *L, int rec, struct lh_policy_info *pi)
{
    pi->defined = true;
    pi->file = dup_field(L, rec, "file");
    pi->line = (int)int_field(L, rec, "line", 0);
    pi->on_cap = (enum lh_on_cap)int_field(L, rec, "on_cap", LH_ON_CAP_DEFER);
    if (lua_getfield(L, rec, "caps") == LUA_TTABLE) {
        size_t len = lua_rawlen(L, -1);
        int caps = lua_gettop(L);
        pi->caps = zalloc(L, len, sizeof *pi->caps);
        for (size_t i = 0; i < len; i++, pi->ncaps++) {
            lua_rawgeti(L, caps, (lua_Integer)i + 1);
            pi->caps[i].count = (unsigned)int_field(L, caps + 1, "count", 0);
            pi->caps[i].per_s = int_field(L, caps + 1, "per", 0);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

static void
copy_hook(lua_State *L, int rec, void *out)
{
    struct lh_hook_info *hi = out;
    hi->kind = dup_field(L, rec, "kind");
    hi->file = dup_field(L, rec, "file");
    hi->line = (int)int_field(L, rec, "line", 0);
}

static size_t
slot_len(lua_State *L, int slot)
{
    lh_reg_slot(L, slot);
    size_t n = lua_rawlen(L, -1);
    lua_pop(L, 1);
    return n;
}

/* Copy the sequence in root slot `slot` into `v` (slot_len elements of `size` bytes). */
static void
copy_slot(lua_State *L, int slot, void *v, size_t size, size_t *n,
          void (*copy)(lua_State *L, int rec, void *out))
{
    lh_reg_slot(L, slot);
    int seq = lua_gettop(L);
    size_t len = lua_rawlen(L, seq);
    for (size_t i = 0; i < len; i++) {
        lua_rawgeti(L, seq, (lua_Integer)i + 1);
        (*n)++; /* counted first: a half-copied element is freed too */
        copy(L, seq + 1, (char *)v + i * size);
        lua_settop(L, seq);
    }
    lua_pop(L, 1);
}

static int
get_entry(lua_State *L)
{
    struct lh_reg *r = lua_touserdata(L, 1);
    lua_settop(L, 0);
    r->journeys = zalloc(L, slot_len(L, REG_JOURNEYS), sizeof *r->journeys);
    copy_slot(L, REG_JOURNEYS, r->journeys, sizeof *r->journeys, &r->njourneys, copy_journey);
    r->segments = zalloc(L, slot_len(L, REG_SEGMENTS), sizeof *r->segments);
    copy_slot(L, REG_SEGMENTS, r->segments, sizeof *r->segments, &r->nsegments, copy_segment);
    r->hooks = zalloc(L, slot_len(L, REG_HOOKS), sizeof *r->hooks);
    copy_slot(L, REG_HOOKS, r->hooks, sizeof *r->hooks, &r->nhooks, copy_hook);
    if (lh_reg_slot(L, REG_POLICY) == LUA_TTABLE) copy_policy(L, 1, &r->policy);
    return 0;
}

int
lh_reg_get(struct lh_state *st, struct lh_reg **out, char *err, size_t errlen)
{
    struct lh_reg *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r) {
        lh_error_copy(err, errlen, "lua: out of memory");
        return -1;
    }
    lua_State *L = lh_lua(st);
    lua_settop(L, 0);
    lua_pushcfunction(L, get_entry);
    lua_pushlightuserdata(L, r);
    if (lh_pcall(st, 1, 0, err, errlen) != LUA_OK) {
        lh_reg_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

static void
free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void
free_triggers(struct lh_triggers *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].name);
    free(t->v);
}

void
lh_reg_free(struct lh_reg *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->njourneys; i++) {
        struct lh_journey_info *j = &r->journeys[i];
        free(j->name), free(j->file);
        free_triggers(&j->entry), free_triggers(&j->exit), free_triggers(&j->goal);
        free_strings(j->tenants, j->ntenants);
        free_strings(j->steps, j->nsteps);
    }
    for (size_t i = 0; i < r->nsegments; i++)
        free(r->segments[i].name), free(r->segments[i].file), free(r->segments[i].sql),
            free(r->segments[i].tenant);
    for (size_t i = 0; i < r->nhooks; i++)
        free(r->hooks[i].kind), free(r->hooks[i].file);
    free(r->journeys), free(r->segments), free(r->hooks);
    free(r->policy.file), free(r->policy.caps);
    free(r);
}

/*
 * ---------------------------------------------------------------
 * pushing registered functions (inside a protected call)
 * ---------------------------------------------------------------
 */

/* Replace the `n` values on top by the last of them. */
static int
keep_top(lua_State *L, int n)
{
    lua_replace(L, -n);
    lua_pop(L, n - 2);
    return lua_type(L, -1);
}

/* Push the record `name` of names slot `slot` (nil when there is none). */
static int
push_record(lua_State *L, int slot, const char *name)
{
    lh_reg_slot(L, slot);
    lua_getfield(L, -1, name);
    lua_remove(L, -2);
    return lua_type(L, -1);
}

int
lh_reg_push_step(lua_State *L, const char *journey, const char *step)
{
    if (push_record(L, REG_JOURNEY_NAMES, journey) != LUA_TTABLE) return LUA_TNIL;
    lua_getfield(L, -1, "j");
    lua_getfield(L, -1, step);
    return keep_top(L, 3);
}

int
lh_reg_push_filter(lua_State *L, const char *journey, const char *which, size_t i)
{
    if (push_record(L, REG_JOURNEY_NAMES, journey) != LUA_TTABLE) return LUA_TNIL;
    if (lua_getfield(L, -1, which) != LUA_TTABLE) return keep_top(L, 2);
    if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TUSERDATA) return keep_top(L, 3);
    lua_getiuservalue(L, -1, 2);
    return keep_top(L, 4);
}

int
lh_reg_push_segment_where(lua_State *L, const char *segment)
{
    if (push_record(L, REG_SEGMENT_NAMES, segment) != LUA_TTABLE) return LUA_TNIL;
    lua_getfield(L, -1, "where");
    return keep_top(L, 2);
}

int
lh_reg_push_hook(lua_State *L, const char *kind, size_t i)
{
    if (strcmp(kind, "message") != 0) {
        lua_pushnil(L);
        return LUA_TNIL;
    }
    lh_reg_slot(L, REG_HOOKS);
    if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TTABLE) return keep_top(L, 2);
    lua_getfield(L, -1, "fn");
    return keep_top(L, 3);
}

size_t
lh_reg_count_hooks(lua_State *L, const char *kind)
{
    if (strcmp(kind, "message") != 0) return 0;
    lh_reg_slot(L, REG_HOOKS); /* existing tables, integer keys: nothing allocates */
    size_t n = lua_rawlen(L, -1);
    lua_pop(L, 1);
    return n;
}
