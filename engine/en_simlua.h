/*
 * en_simlua.h - `simulate{...}` for *_test.lua files: the timeline as a Lua value
 *
 * Owns: the test-side face of the simulated timeline (en_sim.h). `tern
 * test` installs en_simlua_simulate as the global `simulate` of every test
 * file (lua/lh_test.h, struct lh_test_global). A call runs journeys of the
 * loaded scripts tree for one contact on a virtual clock and returns the
 * timeline as an array of entries {at, journey, kind, step, template,
 * detail} ("at" in seconds since the start), the contact as it ended up
 * (`t.contact`) and methods for assertions: t:sent(), t:kinds(),
 * t:of(kind), t:find(kind, name), t:ended() (doc/tern-lua.md "Journey
 * tests: simulate").
 *
 *     local t = simulate { journey = "journeys/double_opt_in.lua",
 *                          events = { { at = "0", type = "contact.subscribed" } } }
 *     expect(t:sent()).to_equal({ "doi-confirm", "doi-reminder" })
 *
 * The steps cannot run in the test's own state (it is in the middle of a
 * call), so the timeline runs in a second state of the same generation,
 * leased from the test's pool for the duration of the call: the pool needs
 * at least two states. Misuse and a run that fails raise a Lua error
 * "simulate: ..."; a step that fails is an `error` entry, as in `tern
 * simulate`.
 *
 * Depends on: en_sim.h, lua/lh.h, lua/lh_reg.h, lua/lh_json.h.
 */
#ifndef TERN_EN_SIMLUA_H
#define TERN_EN_SIMLUA_H

#include <lua.h>

#include "lua/lh.h"

struct en_simlua {
    struct lh_pool *pool;      /* the test's pool (borrowed), at least two states */
    const char *templates_dir; /* or NULL; else a send of a template not in it is an error */
};

/* lua_CFunction `simulate(spec)`; upvalue 1 is a light userdata struct en_simlua. */
int en_simlua_simulate(lua_State *L);

#endif
