/*
 * lh_api.c - the `tern` Lua API: one place that installs every binding
 *
 * Owns: the list of binding modules whose globals and library tables go
 * into the sandbox prototype that every script environment is copied from
 * (lh_sandbox.c). Each module registers its names into the prototype table
 * at `proto`; nothing here knows what a binding does. Called once per
 * state, inside the protected call that opens the state, so a binding may
 * raise a memory error.
 *
 * Depends on: the lua/lh_*.c binding modules listed below (lh_json: json.*;
 * lh_db: db.query; lh_tplbind: template.render; lh_log: log.*; lh_reg:
 * journey, segment, policy, hook, on, in_segment).
 */
#include <lauxlib.h>
#include <lua.h>

#include "lh_int.h"
#include "lh_reg.h"

void
lh_api_register(lua_State *L, int proto)
{
    lh_json_register(L, proto);
    lh_db_register(L, proto);
    lh_tplbind_register(L, proto);
    lh_log_register(L, proto);
    lh_reg_register(L, proto);
}
