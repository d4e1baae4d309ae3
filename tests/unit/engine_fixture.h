/*
 * engine_fixture.h - the engine tests' script trees (tests/lua/engine/...)
 *
 * Loads one tree into a one-state pool and leases that state, with what
 * it registered, for the whole test program. Header-only, like tap.h.
 */
#ifndef TERN_ENGINE_FIXTURE_H
#define TERN_ENGINE_FIXTURE_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "lua/lh.h"
#include "lua/lh_reg.h"

struct engine_tree {
    struct lh_pool *pool;
    struct lh_state *st;
    struct lh_reg *reg;
};

/* TERN_SRCDIR/tests/lua/engine/REL (one static buffer). */
static const char *
engine_fixture(const char *rel)
{
    static char path[PATH_MAX];
    const char *d = getenv("TERN_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/lua/engine/%s", d && *d ? d : ".", rel);
    return path;
}

/* Load tree `rel` with limits `lim` (NULL: defaults); -1 after a TAP "Bail out!". */
static int
engine_tree_load(struct engine_tree *t, const char *rel, const struct lh_limits *lim)
{
    char err[4096];
    t->pool = lh_pool_new(lim, 1, err, sizeof err);
    if (!t->pool || lh_pool_reload(t->pool, engine_fixture(rel), err, sizeof err) < 0 ||
        !(t->st = lh_lease(t->pool, err, sizeof err)) ||
        lh_reg_get(t->st, &t->reg, err, sizeof err) < 0) {
        printf("Bail out! %s\n", err);
        return -1;
    }
    return 0;
}

static void
engine_tree_free(struct engine_tree *t)
{
    lh_reg_free(t->reg);
    if (t->st) lh_release(t->st);
    if (t->pool) lh_pool_free(t->pool);
}

#endif
