/*
 * lh_msg.c - the message object `m` of `hook "message"` and running the hooks
 *
 * One lh_message_run() is one protected call (lh_pcall) that creates `m`,
 * calls every message hook with it in registration order and converts
 * what they changed. `m` is a userdata: reading a field builds its Lua
 * value on first use (an empty hook costs one userdata), writing one is
 * checked at the assignment, so a mistake is an error at the hook's line.
 * What hooks change is staged in a struct msgrun and copied into the
 * caller's struct lh_message only after every hook returned, so a failing
 * run leaves the message as it was. `m` dies with the run: its __close
 * detaches it, and a script that kept it gets an error, never a dangling
 * pointer.
 *
 * Hook-facing names (doc/tern-lua.md): category envelope headers contact
 * data view track message_id journey step template; add_header
 * remove_header header_all reject tempfail discard.
 *
 * Depends on: lua/lh.h, lua/lh_reg.h (the hook list), lua/lh_json.h, jansson.
 */
#include "lh_msg.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "lh_int.h"
#include "lh_json.h"
#include "lh_reg.h"

#define MSG_MT     "tern.message"
#define HEADERS_MT "tern.message.headers"
#define TRACK_MT   "tern.message.track"

#define EDITS_MAX    64  /* header edits per message */
#define NAME_MAX_LEN 64  /* header field names */
#define VALUE_MAX    998 /* header values: one RFC 5322 line */
#define REASON_MAX   200 /* reject/tempfail/discard texts */

static const char *const categories[] = {"marketing", "transactional", NULL};

/* What the hooks changed so far; committed to the message only on success. */
struct msgrun {
    const struct lh_message *in;
    int category; /* index into categories */
    bool clicks, opens;
    bool view_used; /* m.view was read or set: convert it back */
    json_t *view;
    enum lh_msg_action action;
    char *reason;
    struct lh_header_edit *edits;
    size_t nedits;
};

struct msgobj {
    struct msgrun *run; /* NULL once the run is over */
};

/*
 * ---------------------------------------------------------------
 * staging
 * ---------------------------------------------------------------
 */

static void
free_edits(struct lh_header_edit *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(e[i].name), free(e[i].value);
    free(e);
}

static void
run_free(struct msgrun *run)
{
    json_decref(run->view);
    free(run->reason);
    free_edits(run->edits, run->nedits);
}

/* The run `m` (at idx) belongs to; raises when the run is over. */
static struct msgrun *
live_run(lua_State *L, int idx)
{
    struct msgobj *o = luaL_checkudata(L, idx, MSG_MT);
    if (!o->run) luaL_error(L, "m: the message is gone (used after its hook returned)");
    return o->run;
}

/* A text argument: a string without CR, LF or NUL of at most `max` bytes. */
static const char *
check_text(lua_State *L, int arg, size_t max, const char *fn, const char *what)
{
    size_t len;
    const char *s = luaL_checklstring(L, arg, &len);
    if (len > max) luaL_error(L, "%s: %s longer than %d bytes", fn, what, (int)max);
    if (strcspn(s, "\r\n") != len || strlen(s) != len)
        luaL_error(L, "%s: %s may not contain line breaks or NUL bytes", fn, what);
    return s;
}

static char *
dup_or_raise(lua_State *L, const char *s)
{
    char *d = strdup(s);
    if (!d) luaL_error(L, "not enough memory");
    return d;
}

/*
 * ---------------------------------------------------------------
 * methods
 * ---------------------------------------------------------------
 */

static const char *
check_header_name(lua_State *L, int arg, const char *fn)
{
    size_t len;
    const char *name = luaL_checklstring(L, arg, &len);
    if (len == 0 || len > NAME_MAX_LEN)
        luaL_error(L, "%s: a header name has 1 to %d characters", fn, NAME_MAX_LEN);
    for (size_t i = 0; i < len; i++)
        if (name[i] <= 32 || name[i] >= 127 || name[i] == ':')
            luaL_error(L, "%s: \"%s\" is not a header name (printable ASCII, no ':' or blanks)", fn,
                       name);
    return name;
}

static void
add_edit(lua_State *L, struct msgrun *run, bool remove, const char *name, const char *value)
{
    if (run->nedits == EDITS_MAX)
        luaL_error(L, "m: more than %d header edits in one message", EDITS_MAX);
    struct lh_header_edit *e = realloc(run->edits, (run->nedits + 1) * sizeof *e);
    if (!e) luaL_error(L, "not enough memory");
    run->edits = e;
    e += run->nedits;
    *e = (struct lh_header_edit){.remove = remove};
    e->name = strdup(name);
    e->value = value ? strdup(value) : NULL;
    run->nedits++; /* counted now: run_free frees what was allocated */
    if (!e->name || (value && !e->value)) luaL_error(L, "not enough memory");
}

static int
m_add_header(lua_State *L)
{
    struct msgrun *run = live_run(L, 1);
    const char *name = check_header_name(L, 2, "m:add_header");
    const char *value = check_text(L, 3, VALUE_MAX, "m:add_header", "a header value");
    if (strncasecmp(name, "X-Tern-", 7) == 0)
        return luaL_error(L, "m:add_header: %s is a control header; hooks cannot add those", name);
    add_edit(L, run, false, name, value);
    return 0;
}

static int
m_remove_header(lua_State *L)
{
    struct msgrun *run = live_run(L, 1);
    add_edit(L, run, true, check_header_name(L, 2, "m:remove_header"), NULL);
    return 0;
}

/* m:header_all(name): every value of header `name`, in order. */
static int
m_header_all(lua_State *L)
{
    const struct lh_message *in = live_run(L, 1)->in;
    const char *name = luaL_checkstring(L, 2);
    lua_newtable(L);
    lua_Integer n = 0;
    for (size_t i = 0; i < in->nheaders; i++)
        if (strcasecmp(in->headers[i].name, name) == 0) {
            lua_pushstring(L, in->headers[i].value);
            lua_rawseti(L, -2, ++n);
        }
    return 1;
}

static int
verdict(lua_State *L, enum lh_msg_action action, const char *fn)
{
    struct msgrun *run = live_run(L, 1);
    const char *reason =
        lua_isnoneornil(L, 2) ? NULL : check_text(L, 2, REASON_MAX, fn, "a reason");
    char *copy = reason ? dup_or_raise(L, reason) : NULL;
    free(run->reason);
    run->reason = copy;
    run->action = action; /* the last verdict of a hook counts */
    return 0;
}

static int
m_reject(lua_State *L)
{
    return verdict(L, LH_MSG_REJECT, "m:reject");
}

static int
m_tempfail(lua_State *L)
{
    return verdict(L, LH_MSG_TEMPFAIL, "m:tempfail");
}

static int
m_discard(lua_State *L)
{
    return verdict(L, LH_MSG_DISCARD, "m:discard");
}

/*
 * ---------------------------------------------------------------
 * fields
 * ---------------------------------------------------------------
 */

/* Push the field cache of `m` (user value 1), creating it on first use. */
static void
push_cache(lua_State *L, int m)
{
    if (lua_getiuservalue(L, m, 1) == LUA_TTABLE) return;
    lua_pop(L, 1);
    lua_createtable(L, 0, 4);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, m, 1);
}

/* A proxy userdata of metatable `mt` that keeps `m` alive (its user value). */
static void
push_proxy(lua_State *L, int m, const char *mt)
{
    struct msgobj **p = lua_newuserdatauv(L, sizeof *p, 1);
    *p = lua_touserdata(L, m);
    lua_pushvalue(L, m);
    lua_setiuservalue(L, -2, 1);
    luaL_setmetatable(L, mt);
}

static void
push_envelope(lua_State *L, const struct lh_message *in)
{
    lua_createtable(L, 0, 2);
    lua_pushstring(L, in->envelope_from);
    lua_setfield(L, -2, "from");
    lua_createtable(L, (int)in->nrecipients, 0);
    for (size_t i = 0; i < in->nrecipients; i++) {
        lua_pushstring(L, in->recipients[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "to");
}

/* Build the value of a table-valued field `key`; false when it is not one. */
static bool
build_field(lua_State *L, int m, struct msgrun *run, const char *key)
{
    const struct lh_message *in = run->in;
    if (strcmp(key, "envelope") == 0)
        push_envelope(L, in);
    else if (strcmp(key, "headers") == 0)
        push_proxy(L, m, HEADERS_MT);
    else if (strcmp(key, "track") == 0)
        push_proxy(L, m, TRACK_MT);
    else if (strcmp(key, "contact") == 0)
        lh_json_push(L, in->contact);
    else if (strcmp(key, "data") == 0)
        lh_json_push(L, in->data);
    else if (strcmp(key, "view") == 0) {
        if (in->view)
            lh_json_push(L, in->view);
        else
            lua_newtable(L);
        run->view_used = true;
    } else
        return false;
    return true;
}

/* A cached table-valued field: from the cache, else built and cached. */
static bool
push_cached(lua_State *L, int m, struct msgrun *run, const char *key)
{
    push_cache(L, m);
    if (lua_getfield(L, -1, key) != LUA_TNIL) {
        lua_remove(L, -2);
        return true;
    }
    lua_pop(L, 1);
    if (!build_field(L, m, run, key)) {
        lua_pop(L, 1);
        return false;
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, key);
    lua_remove(L, -2);
    return true;
}

static bool
push_string_field(lua_State *L, const struct lh_message *in, const char *key)
{
    static const char *const names[] = {"message_id", "journey", "step", "template"};
    const char *values[] = {in->message_id, in->journey, in->step, in->template_name};
    for (size_t i = 0; i < 4; i++)
        if (strcmp(key, names[i]) == 0) {
            lua_pushstring(L, values[i]); /* NULL pushes nil */
            return true;
        }
    return false;
}

static const luaL_Reg methods[] = {
    {"add_header", m_add_header},
    {"remove_header", m_remove_header},
    {"header_all", m_header_all},
    {"reject", m_reject},
    {"tempfail", m_tempfail},
    {"discard", m_discard},
    {NULL, NULL},
};

static int
m_index(lua_State *L)
{
    struct msgrun *run = live_run(L, 1);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "category") == 0) {
        lua_pushstring(L, categories[run->category]);
        return 1;
    }
    if (push_string_field(L, run->in, key)) return 1;
    for (const luaL_Reg *f = methods; f->name; f++)
        if (strcmp(key, f->name) == 0) {
            lua_pushcfunction(L, f->func);
            return 1;
        }
    if (push_cached(L, 1, run, key)) return 1;
    return luaL_error(L, "m.%s: the message has no such field", key);
}

static int
m_newindex(lua_State *L)
{
    struct msgrun *run = live_run(L, 1);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "category") == 0) {
        const char *v = lua_type(L, 3) == LUA_TSTRING ? lua_tostring(L, 3) : "";
        for (int i = 0; categories[i]; i++)
            if (strcmp(v, categories[i]) == 0) {
                run->category = i;
                return 0;
            }
        return luaL_error(L, "m.category must be \"marketing\" or \"transactional\"");
    }
    if (strcmp(key, "view") == 0) {
        luaL_argexpected(L, lua_istable(L, 3), 3, "table (m.view)");
        push_cache(L, 1);
        lua_pushvalue(L, 3);
        lua_setfield(L, -2, "view");
        run->view_used = true;
        return 0;
    }
    return luaL_error(L,
                      "m.%s cannot be changed (writable: category, view, track.clicks, "
                      "track.opens; headers through m:add_header and m:remove_header)",
                      key);
}

/* __close: the run is over (also when a hook failed). */
static int
m_close(lua_State *L)
{
    ((struct msgobj *)lua_touserdata(L, 1))->run = NULL;
    return 0;
}

static struct msgrun *
proxy_run(lua_State *L, const char *mt)
{
    struct msgobj **p = luaL_checkudata(L, 1, mt);
    if (!(*p)->run) luaL_error(L, "m: the message is gone (used after its hook returned)");
    return (*p)->run;
}

/* m.headers[name]: the first value of header `name` (any case), or nil. */
static int
headers_index(lua_State *L)
{
    const struct lh_message *in = proxy_run(L, HEADERS_MT)->in;
    const char *name = luaL_checkstring(L, 2);
    for (size_t i = 0; i < in->nheaders; i++)
        if (strcasecmp(in->headers[i].name, name) == 0) {
            lua_pushstring(L, in->headers[i].value);
            return 1;
        }
    lua_pushnil(L);
    return 1;
}

static int
headers_newindex(lua_State *L)
{
    return luaL_error(L, "m.headers is read-only: use m:add_header and m:remove_header");
}

static bool *
track_slot(lua_State *L, struct msgrun *run)
{
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "clicks") == 0) return &run->clicks;
    if (strcmp(key, "opens") == 0) return &run->opens;
    luaL_error(L, "m.track.%s: only clicks and opens", key);
    return NULL;
}

static int
track_index(lua_State *L)
{
    lua_pushboolean(L, *track_slot(L, proxy_run(L, TRACK_MT)));
    return 1;
}

static int
track_newindex(lua_State *L)
{
    bool *slot = track_slot(L, proxy_run(L, TRACK_MT));
    if (!lua_isboolean(L, 3))
        return luaL_error(L, "m.track.%s must be true or false", lua_tostring(L, 2));
    *slot = lua_toboolean(L, 3);
    return 0;
}

/* The metatable `name` with __index/__newindex (and __close), created once per state. */
static void
metatable(lua_State *L, const char *name, lua_CFunction index, lua_CFunction newindex,
          lua_CFunction close)
{
    if (!luaL_newmetatable(L, name)) return;
    lua_pushcfunction(L, index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, newindex);
    lua_setfield(L, -2, "__newindex");
    if (close) {
        lua_pushcfunction(L, close);
        lua_setfield(L, -2, "__close");
    }
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
}

/*
 * ---------------------------------------------------------------
 * the run
 * ---------------------------------------------------------------
 */

/* Convert m.view back to JSON, if a hook used it. */
static void
take_view(lua_State *L, int m, struct msgrun *run)
{
    char err[512];
    push_cache(L, m);
    lua_getfield(L, -1, "view");
    run->view = lh_json_from(L, -1, "m.view", err, sizeof err);
    if (!run->view) luaL_error(L, "message hooks: %s", err);
    if (!json_is_object(run->view))
        luaL_error(L, "message hooks: m.view must be a table with string keys, not a list");
    lua_pop(L, 2);
}

static int
run_entry(lua_State *L)
{
    struct msgrun *run = lua_touserdata(L, 1);
    lua_settop(L, 0);
    if (luaL_getmetatable(L, MSG_MT) == LUA_TNIL) { /* first run in this state */
        metatable(L, HEADERS_MT, headers_index, headers_newindex, NULL);
        metatable(L, TRACK_MT, track_index, track_newindex, NULL);
        metatable(L, MSG_MT, m_index, m_newindex, m_close);
    }
    lua_settop(L, 0);
    struct msgobj *o = lua_newuserdatauv(L, sizeof *o, 1);
    o->run = NULL;
    luaL_setmetatable(L, MSG_MT);
    lua_toclose(L, 1); /* detaches m however this call ends */
    o->run = run;
    size_t n = lh_reg_count_hooks(L, "message");
    for (size_t i = 0; i < n; i++) {
        lh_reg_push_hook(L, "message", i);
        lua_pushvalue(L, 1);
        lua_call(L, 1, 0);
        if (run->action != LH_MSG_CONTINUE) break; /* a verdict ends the run */
    }
    if (run->view_used) take_view(L, 1, run);
    return 0;
}

/* Copy the staged results into `m`; -1 (m unchanged) when out of memory. */
static int
commit(struct lh_message *m, struct msgrun *run, char *err, size_t errlen)
{
    char *category = strdup(categories[run->category]);
    struct lh_header_edit *edits =
        run->nedits ? realloc(m->edits, (m->nedits + run->nedits) * sizeof *edits) : m->edits;
    if (!category || (run->nedits && !edits)) {
        free(category);
        lh_error_copy(err, errlen, "lua: out of memory");
        return -1;
    }
    m->edits = edits;
    if (run->nedits) memcpy(m->edits + m->nedits, run->edits, run->nedits * sizeof *edits);
    m->nedits += run->nedits;
    free(run->edits);
    run->edits = NULL, run->nedits = 0;
    free(m->category);
    m->category = category;
    if (run->view) {
        json_decref(m->view);
        m->view = run->view, run->view = NULL;
    }
    m->track_clicks = run->clicks;
    m->track_opens = run->opens;
    if (run->action != LH_MSG_CONTINUE) {
        m->action = run->action;
        free(m->reason);
        m->reason = run->reason, run->reason = NULL;
    }
    return 0;
}

int
lh_message_run(struct lh_state *st, struct lh_message *m, char *err, size_t errlen)
{
    struct msgrun run = {
        .in = m,
        .category = m->category && strcmp(m->category, "transactional") == 0,
        .clicks = m->track_clicks,
        .opens = m->track_opens,
    };
    lua_State *L = lh_lua(st);
    lua_settop(L, 0);
    lua_pushcfunction(L, run_entry);
    lua_pushlightuserdata(L, &run);
    int rc = lh_pcall(st, 1, 0, err, errlen) == LUA_OK ? commit(m, &run, err, errlen) : -1;
    run_free(&run);
    return rc;
}

size_t
lh_message_hooks(struct lh_state *st)
{
    return lh_reg_count_hooks(lh_lua(st), "message");
}

int
lh_message_init(struct lh_message *m)
{
    *m = (struct lh_message){.track_clicks = true, .track_opens = true};
    m->category = strdup("marketing");
    m->view = json_object();
    if (m->category && m->view) return 0;
    lh_message_free(m);
    return -1;
}

void
lh_message_free(struct lh_message *m)
{
    free(m->category);
    json_decref(m->view);
    free(m->reason);
    free_edits(m->edits, m->nedits);
    *m = (struct lh_message){0};
}
