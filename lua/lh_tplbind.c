/*
 * lh_tplbind.c - template.render(name_or_source, view [, opts]) for scripts
 *
 * SYNOPSIS
 *     local html = template.render("welcome-1", { contact = c.contact })
 *     local subject = template.render("welcome-1", view, { part = "subject" })
 *     local line, err = template.render("Hi {{name | default: \"there\"}}", { name = n })
 *
 * DESCRIPTION
 *     When the services name a templates directory and it holds a template
 *     file NAME.tpl or NAME (lib/tplfile format), that file's part is
 *     rendered: opts.part, default "html" (else "text" when the file has no
 *     html part). Otherwise the string itself is Mustache source, rendered
 *     in HTML context (opts.part "html") or as text (any other part). The
 *     view is a Lua table converted with lh_json_from. Partials {{> name}}
 *     resolve to DIR/name or DIR/name.mustache in the templates directory.
 *     With opts.tenant, DIR/<tenant>/ is searched first for the file and
 *     every partial: a country team's override (lib/tplpath.h).
 *
 *     Files are read and compiled once per state, on first use, and kept
 *     (as are misses and files that fail to parse) until the state closes
 *     with its generation: a reload picks up changed templates. Sources
 *     given as strings are compiled per call. The output cap is lib/tpl's
 *     (8 MiB).
 *
 * DIAGNOSTICS
 *     Misuse raises: "template.render: expects a template name or source,
 *     got nil", "template.render: view.items[2]: a function cannot become
 *     JSON", "template.render: unknown option 'parts'". Template errors
 *     return nil and the reason: "template.render: line 1, column 4:
 *     section \"x\" is never closed", "template.render: welcome-1.tpl:9:3:
 *     ...", "template.render: welcome-1 has no text part".
 *
 * Uses the public Lua API, lib/tpl and lib/tplfile; lh_int.h for the
 * generation's services.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lh_int.h"
#include "lh_json.h"
#include "tplfile.h"
#include "tplpath.h"

static char K_CACHE; /* registry: name -> template file userdata | error string | false */
static char K_PARTIALS;

#define FILE_MT "tern.tplfile"
#define SET_MT  "tern.tplset"

/*
 * ---------------------------------------------------------------
 * the templates directory
 * ---------------------------------------------------------------
 */

/* Where one tenant's partials are looked up; owned by its set's box. */
struct partial_dir {
    char *dir, *tenant; /* tenant NULL: the shared partials only */
};

/* tpl_load_fn: partial `name` by the templates directory rule (tplpath.h). */
static int
load_partial(void *ctx, const char *name, struct buf *src, struct tpl_error *err)
{
    const struct partial_dir *pd = ctx;
    char path[PATH_MAX];
    if (tplpath_find(pd->dir, pd->tenant, name, TPLPATH_PARTIAL, path, sizeof path) != 1) return 0;
    return tplpath_read(path, name, TPL_DEFAULT_MAX_SOURCE, src, err);
}

/*
 * ---------------------------------------------------------------
 * per-state caches in the registry (freed by __gc when the state closes)
 * ---------------------------------------------------------------
 */

static int
file_gc(lua_State *L)
{
    struct tplfile **f = lua_touserdata(L, 1);
    tplfile_free(*f);
    *f = NULL;
    return 0;
}

/* A tenant's partial set and where it looks, freed together. */
struct set_box {
    struct tpl_set *set;
    struct partial_dir where;
};

static int
set_gc(lua_State *L)
{
    struct set_box *b = lua_touserdata(L, 1);
    tpl_set_free(b->set);
    free(b->where.dir);
    free(b->where.tenant);
    *b = (struct set_box){0};
    return 0;
}

/* Push a userdata box for a pointer, freed by `gc` with the box. */
static void **
push_box(lua_State *L, const char *mt, lua_CFunction gc)
{
    void **box = lua_newuserdatauv(L, sizeof *box, 0);
    *box = NULL;
    if (luaL_newmetatable(L, mt)) {
        lua_pushcfunction(L, gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return box;
}

/* The state's partial set for `tenant` ("": none) under `dir` (NULL without a directory). */
static struct tpl_set *
partials(lua_State *L, const char *dir, const char *tenant)
{
    if (!dir) return NULL;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &K_PARTIALS) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &K_PARTIALS);
    }
    if (lua_getfield(L, -1, tenant) == LUA_TUSERDATA) {
        struct tpl_set *s = ((struct set_box *)lua_touserdata(L, -1))->set;
        lua_pop(L, 2);
        return s;
    }
    lua_pop(L, 1);
    struct set_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    *b = (struct set_box){0};
    if (luaL_newmetatable(L, SET_MT)) {
        lua_pushcfunction(L, set_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    b->where.dir = strdup(dir);
    b->where.tenant = *tenant ? strdup(tenant) : NULL;
    if (!b->where.dir || (*tenant && !b->where.tenant) ||
        !(b->set = tpl_set_new(load_partial, &b->where, NULL)))
        luaL_error(L, "template.render: out of memory");
    lua_setfield(L, -2, tenant);
    lua_pop(L, 1);
    return b->set;
}

/* Read and parse the file at `path`, errors naming `file`; NULL with err filled. */
static struct tplfile *
parse_file(const char *path, const char *file, char *err, size_t errlen)
{
    struct buf src = BUF_INIT;
    struct tpl_error terr = {0};
    struct tplfile *f = NULL;
    if (tplpath_read(path, file, TPL_DEFAULT_MAX_SOURCE, &src, &terr) == 1)
        f = tplfile_parse(file, buf_str(&src), src.len, err, errlen);
    else
        snprintf(err, errlen, "%s", terr.msg);
    buf_free(&src);
    return f;
}

/*
 * Load the template file `name` for `tenant` into the cache table at
 * `cache` under `key`; leaves the entry on top.
 */
static void
load_file(lua_State *L, int cache, const char *key, const char *dir, const char *tenant,
          const char *name)
{
    char path[PATH_MAX], err[512];
    if (tplpath_find(dir, tenant, name, TPLPATH_TEMPLATE, path, sizeof path) != 1) {
        lua_pushboolean(L, 0);
    } else {
        void **box = push_box(L, FILE_MT, file_gc);
        const char *file = path + strlen(dir) + 1; /* "nl/welcome.tpl" in messages */
        if (!(*box = parse_file(path, file, err, sizeof err))) {
            lua_pop(L, 1);
            lua_pushstring(L, err); /* remembered: the file fails the same way until reload */
        }
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, cache, key);
}

/*
 * The template file called `name`: NULL when there is none, or when it
 * fails to parse (then *why is the reason, which lives as long as the
 * cache entry left on the stack).
 */
static const struct tplfile *
find_file(lua_State *L, const char *dir, const char *tenant, const char *name, const char **why)
{
    *why = NULL;
    if (!dir || !tplpath_name_ok(name)) return NULL;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &K_CACHE) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &K_CACHE);
    }
    int cache = lua_gettop(L);
    const char *key = lua_pushfstring(L, "%s\n%s", tenant, name); /* names hold no newline */
    if (lua_getfield(L, cache, key) == LUA_TNIL) {
        lua_pop(L, 1);
        load_file(L, cache, key, dir, tenant, name);
    }
    lua_remove(L, -2); /* the key */
    lua_remove(L, cache);
    if (lua_type(L, -1) == LUA_TSTRING) *why = lua_tostring(L, -1);
    return lua_type(L, -1) == LUA_TUSERDATA ? *(struct tplfile **)lua_touserdata(L, -1) : NULL;
}

/*
 * ---------------------------------------------------------------
 * template.render
 * ---------------------------------------------------------------
 */

struct render_opts {
    int part; /* a tplfile part, -1: the default */
    bool strict;
    const char *tenant; /* "": none; valid while the options table is on the stack */
};

static void
read_opts(lua_State *L, int idx, struct render_opts *o)
{
    *o = (struct render_opts){.part = -1, .tenant = ""};
    if (lua_isnoneornil(L, idx)) return;
    luaL_argexpected(L, lua_istable(L, idx), idx, "table of options");
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        if (strcmp(key, "part") == 0) {
            const char *p = lua_tostring(L, -1);
            if (!p || (o->part = tplfile_part_parse(p)) < 0)
                luaL_error(L, "template.render: part must be subject, from, reply-to, "
                              "preheader, html or text");
        } else if (strcmp(key, "strict") == 0) {
            o->strict = lua_toboolean(L, -1);
        } else if (strcmp(key, "tenant") == 0) {
            if (lua_type(L, -1) != LUA_TSTRING || !tplpath_name_ok(lua_tostring(L, -1)) ||
                strchr(lua_tostring(L, -1), '/'))
                luaL_error(L, "template.render: tenant must be a tenant name");
            o->tenant = lua_tostring(L, -1);
        } else {
            luaL_error(L, "template.render: unknown option '%s' (part, strict, tenant)", key);
        }
        lua_pop(L, 1);
    }
}

struct job {
    json_t *view;
    struct tpl *source; /* compiled from the string, when it is not a file */
    struct buf out;
};

static void
job_free(void *p)
{
    struct job *j = p;
    json_decref(j->view);
    tpl_free(j->source);
    buf_free(&j->out);
    free(j);
}

static int
fail(lua_State *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lua_pushnil(L);
    lua_pushliteral(L, "template.render: ");
    lua_pushvfstring(L, fmt, ap);
    lua_concat(L, 2);
    va_end(ap);
    return 2;
}

/* A render the time limit stopped raises the limit's error, as a Lua loop would. */
static bool
out_of_time(lua_State *L)
{
    struct lh_state *st = lh_from(L);
    if (!atomic_load(&st->fired)) return false;
    luaL_error(L, "time limit exceeded (%u ms)", st->budget_ms);
    return true; /* not reached */
}

static int
render_file(lua_State *L, const struct tplfile *f, const char *name, const struct render_opts *o,
            struct tpl_render_opts *ro, struct job *j)
{
    int part = o->part >= 0 ? o->part : f->part[TPLFILE_HTML] ? TPLFILE_HTML : TPLFILE_TEXT;
    if (!f->part[part]) return fail(L, "%s has no %s part", name, tplfile_part_name(part));
    struct tpl_error terr = {0};
    if (tplfile_render(f, part, j->view, ro, &j->out, &terr) < 0)
        return out_of_time(L) ? 0 : fail(L, "%s: %s", name, terr.msg);
    lua_pushlstring(L, buf_str(&j->out), j->out.len);
    return 1;
}

static int
render_source(lua_State *L, const char *src, size_t len, const struct render_opts *o,
              struct tpl_render_opts *ro, struct job *j)
{
    struct tpl_error terr = {0};
    if (!(j->source = tpl_compile(src, len, NULL, &terr))) return fail(L, "%s", terr.msg);
    ro->context = o->part < 0 || o->part == TPLFILE_HTML ? TPL_HTML : TPL_TEXT;
    if (tpl_render(j->source, j->view, ro, &j->out, &terr) < 0)
        return out_of_time(L) ? 0 : fail(L, "%s", terr.msg);
    lua_pushlstring(L, buf_str(&j->out), j->out.len);
    return 1;
}

static json_t *
view_of(lua_State *L, int idx)
{
    char err[512];
    if (lua_isnoneornil(L, idx)) return NULL;
    if (!lua_istable(L, idx))
        luaL_error(L, "template.render: the view must be a table, got %s", luaL_typename(L, idx));
    json_t *v = lh_json_from(L, idx, "view", err, sizeof err);
    if (!v) luaL_error(L, "template.render: %s", err);
    return v;
}

static int
l_render(lua_State *L)
{
    size_t len;
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_error(L, "template.render: expects a template name or source, got %s",
                          luaL_typename(L, 1));
    const char *name = lua_tolstring(L, 1, &len);
    struct render_opts o;
    read_opts(L, 3, &o);
    lua_settop(L, 3);
    struct lh_guard *g = lh_guard_push(L, job_free);
    struct job *j = calloc(1, sizeof *j);
    if (!j) return luaL_error(L, "template.render: out of memory");
    g->p = j;
    j->view = view_of(L, 2);
    const char *dir = lh_from(L)->gen->svc.templates_dir, *why;
    struct tpl_set *set = partials(L, dir, o.tenant);
    struct lh_state *st = lh_from(L);
    struct tpl_render_opts ro = {.strict = o.strict,
                                 .partial = set ? tpl_set_partial : NULL,
                                 .partial_ctx = set,
                                 .interrupt = &st->fired}; /* the call's time limit */
    const struct tplfile *f = find_file(L, dir, o.tenant, name, &why);
    if (why) return fail(L, "%s", why);
    return f ? render_file(L, f, name, &o, &ro, j) : render_source(L, name, len, &o, &ro, j);
}

/* Install `template` into the prototype. */
void
lh_tplbind_register(lua_State *L, int proto)
{
    static const luaL_Reg fns[] = {{"render", l_render}, {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_setfield(L, proto, "template");
}
