/*
 * lh_reg_tenant.c - tenant folders: scripts/<tenant>/... registers for that tenant
 *
 * A country team keeps its scripts in a folder named after its tenant
 * (scripts/nl/journeys/welcome.lua); what they register is scoped to that
 * tenant without saying so, and cannot be scoped to another one. Every
 * top-level folder is a tenant's except the shared ones: journeys/,
 * segments/, hooks/ and lib/ (and files at the top level).
 */
#include "lh_reg_int.h"

#include <string.h>

#include <lauxlib.h>

#include "tenant.h"

/* The tenant folder `file` is in, copied into `tenant`; false for shared files. */
static bool
folder_of(lua_State *L, const struct lh_regctx *c, char tenant[TENANT_NAME_MAX + 1])
{
    const char *file = c->at.file, *slash = strchr(file, '/');
    if (!slash) return false;
    size_t n = (size_t)(slash - file);
    if (tenant_folder_shared(file, n)) return false;
    if (!tenant_name_valid(file, n))
        lh_reg_fail(L, c,
                    "folder \"%.*s\" is not a tenant name (lower-case letters, digits, _ and -); "
                    "only journeys/, segments/, hooks/ and lib/ are shared",
                    (int)n, file);
    memcpy(tenant, file, n);
    tenant[n] = '\0';
    return true;
}

void
lh_reg_check_tenant_name(lua_State *L, const struct lh_regctx *c, int idx)
{
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    if (lua_type(L, idx) != LUA_TSTRING || !tenant_name_valid(s, n))
        lh_reg_fail(L, c,
                    "tenant must be a tenant name (lower-case letters, digits, _ and -), got %s",
                    lua_type(L, idx) == LUA_TSTRING ? s : luaL_typename(L, idx));
}

void
lh_reg_folder_tenant(lua_State *L, const struct lh_regctx *c, const char *field, bool list)
{
    char tenant[TENANT_NAME_MAX + 1];
    if (!folder_of(L, c, tenant)) return;
    int t = lua_getfield(L, c->rec, field);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        if (list) lua_createtable(L, 1, 0);
        lua_pushstring(L, tenant);
        if (list) lua_rawseti(L, -2, 1);
        lua_setfield(L, c->rec, field);
        return;
    }
    lua_Integer n = t == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, -1) : 1;
    for (lua_Integer i = 1; i <= n; i++) {
        if (t == LUA_TTABLE)
            lua_rawgeti(L, -1, i);
        else
            lua_pushvalue(L, -1);
        if (strcmp(lua_tostring(L, -1), tenant) != 0)
            lh_reg_fail(L, c, "is in the folder of tenant %s: its tenant option may only name %s",
                        tenant, tenant);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}
