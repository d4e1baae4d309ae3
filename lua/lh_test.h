/*
 * lh_test.h - running one *_test.lua file in a state of the serving generation
 *
 * Owns: the calling convention of test files (`tern test`, doc/tern-lua.md
 * "Testing scripts"). A test file is not part of a generation (reload skips
 * *_test.lua), so its text is handed in; it runs in a fresh environment of
 * a leased state, where `require` reaches the generation's scripts and the
 * globals `test(name, fn)` and `expect(value)` come from the assertion
 * library (lua/lh_testlib.lua, compiled in). Its top level declares tests;
 * each then runs as its own call under the pool's limits.
 *
 * A caller may add globals of its own (`simulate`, which the engine
 * provides, so lua/ need not know the engine): C functions that receive
 * their context as upvalue 1, a light userdata.
 *
 *     static const struct lh_test_global extra[] = {{"simulate", sim_fn, &sim_ctx}, {0}};
 *     struct lh_state *st = lh_lease(pool, err, sizeof err);
 *     int failed = lh_test_run(st, "journeys/welcome_test.lua", text, len, extra, report,
 *                              ctx, err, sizeof err);
 *
 * Depends on: lua/lh.h.
 */
#ifndef TERN_LH_TEST_H
#define TERN_LH_TEST_H

#include <stdbool.h>
#include <stddef.h>

#include "lh.h"

/*
 * Called once per test, in declaration order. `message` is NULL for a pass;
 * for a failure it is "file:line: reason" followed by a traceback.
 */
/* A global of every test file's environment; an array of them ends with {0}. */
struct lh_test_global {
    const char *name;
    lua_CFunction fn; /* gets `ctx` as lua_upvalueindex(1) */
    void *ctx;
};

typedef void (*lh_test_report_fn)(void *ctx, const char *test, bool ok, const char *message);

/*
 * Run the test file `path` (relative to the scripts root, for messages and
 * chunk names) whose source is `text`: its top level, then every test it
 * declared. `globals` (NULL: none) are added to the file's environment
 * before its top level runs. Returns the number of failed tests, or -1 with err set
 * ("file:line: message") when the file does not compile, fails at its top
 * level, or declares no test; then `report` was not called.
 */
int lh_test_run(struct lh_state *st, const char *path, const char *text, size_t len,
                const struct lh_test_global *globals, lh_test_report_fn report, void *ctx,
                char *err, size_t errlen);

#endif
