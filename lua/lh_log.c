/*
 * lh_log.c - log.debug/info/warn/error for scripts, through lib/log
 *
 * SYNOPSIS
 *     log.info("welcome sent to", c.contact.email)
 *     log.warn("no first name", { id = c.contact.id })
 *
 * DESCRIPTION
 *     Each call writes one line at its level to the daemon's log, module
 *     "lua", tagged with the state's session tag (lh_set_tag: the queue id
 *     or enrollment being worked on), prefixed with the calling script's
 *     file:line. Arguments are joined with spaces; tables are written as
 *     JSON when they can be (else as tostring would), everything else as
 *     tostring would. A line is cut at LOG_LINE_MAX bytes and control
 *     characters are escaped, so a script cannot forge extra log lines.
 *     Lines below the configured level cost no formatting.
 *
 * Uses the public Lua API, lib/log, and lh_json for tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <lauxlib.h>

#include "lh_int.h"
#include "lh_json.h"
#include "log.h"

#define LOG_LINE_MAX 2048 /* bytes of one script log line, before escaping */

static void
free_text(void *p)
{
    free(p);
}

static void
free_json(void *p)
{
    json_decref(p);
}

/* Replace the argument at `i` by its text: tables as JSON when possible. */
static void
to_text(lua_State *L, int i)
{
    char err[256];
    if (lua_istable(L, i)) { /* the guards first: pushing one can raise, and must leak nothing */
        struct lh_guard *gv = lh_guard_push(L, free_json), *gt = lh_guard_push(L, free_text);
        if ((gv->p = lh_json_from(L, i, "value", err, sizeof err))) gt->p = lh_json_dump(L, gv->p);
        if (gt->p) {
            lua_pushstring(L, gt->p);
            lua_replace(L, i);
            lua_pop(L, 2); /* closes the guards: frees the tree and the text */
            return;
        }
        lua_pop(L, 2);
    }
    luaL_tolstring(L, i, NULL);
    lua_replace(L, i);
}

/* The message: arguments joined by spaces, cut, control characters escaped. */
static const char *
message(lua_State *L, int n)
{
    luaL_Buffer b;
    size_t len = 0, part;
    bool cut = false;
    for (int i = 1; i <= n; i++)
        to_text(L, i);
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n && !cut; i++) {
        const char *s = lua_tolstring(L, i, &part);
        if (i > 1) {
            luaL_addchar(&b, ' ');
            len++;
        }
        for (size_t k = 0; k < part && !cut; k++, len++) {
            unsigned char c = (unsigned char)s[k];
            if ((cut = len == LOG_LINE_MAX)) break;
            if (c == '\n')
                luaL_addstring(&b, "\\n");
            else
                luaL_addchar(&b, c < 0x20 || c == 0x7f ? '?' : (char)c);
        }
    }
    if (cut) luaL_addstring(&b, "...");
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

static int
emit(lua_State *L, enum log_level level)
{
    if (level > log_get_level()) return 0;
    int n = lua_gettop(L);
    const char *msg = message(L, n);
    luaL_where(L, 1);
    const char *where = lua_tostring(L, -1);
    const char *tag = lh_from(L)->tag;
    log_msg(level, "lua", tag[0] ? tag : "-", "%s%s", where, msg);
    return 0;
}

static int
l_debug(lua_State *L)
{
    return emit(L, LOG_LVL_DEBUG);
}

static int
l_info(lua_State *L)
{
    return emit(L, LOG_LVL_INFO);
}

static int
l_warn(lua_State *L)
{
    return emit(L, LOG_LVL_WARNING);
}

static int
l_error(lua_State *L)
{
    return emit(L, LOG_LVL_ERROR);
}

/* Install `log` into the prototype. */
void
lh_log_register(lua_State *L, int proto)
{
    static const luaL_Reg fns[] = {
        {"debug", l_debug}, {"info", l_info}, {"warn", l_warn}, {"error", l_error}, {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_setfield(L, proto, "log");
}
