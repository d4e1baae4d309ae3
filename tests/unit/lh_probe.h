/*
 * lh_probe.h - driving a test script tree of the Lua host from C tests
 *
 * The binding tests keep their cases in tests/lua/NAME/probe.lua, one
 * global function per case returning a string; C calls them by name and
 * compares what they return:
 *
 *     struct lh_pool *p = probe_pool("json", NULL, 0);
 *     is_str(probe_call(p, "encode", "maxint"), "9223372036854775807", "...");
 *
 * Header-only, like tap.h.
 */
#ifndef TERN_LH_PROBE_H
#define TERN_LH_PROBE_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "lua/lh.h"

static char probe_err[4096];

/* TERN_SRCDIR/tests/lua/TREE */
static inline const char *
probe_root(const char *tree)
{
    static char path[PATH_MAX];
    const char *d = getenv("TERN_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/lua/%s", d && *d ? d : ".", tree);
    return path;
}

/* A pool of one state serving tests/lua/TREE under `lim`. Bails out on failure. */
static inline struct lh_pool *
probe_pool_limits(const char *tree, const struct lh_services *svc, const struct lh_limits *lim)
{
    struct lh_pool *p = lh_pool_new(lim, 1, probe_err, sizeof probe_err);
    if (!p || (svc && lh_pool_set_services(p, svc) < 0) ||
        lh_pool_reload(p, probe_root(tree), probe_err, sizeof probe_err) < 0) {
        printf("Bail out! %s\n", probe_err);
        exit(1);
    }
    return p;
}

/* The same with default limits but a call budget of call_ms (0: 10 s). */
static inline struct lh_pool *
probe_pool(const char *tree, const struct lh_services *svc, unsigned call_ms)
{
    struct lh_limits lim;
    lh_limits_default(&lim);
    lim.call_ms = call_ms ? call_ms : 10000;
    return probe_pool_limits(tree, svc, &lim);
}

/* The same with default limits, a 10 s call budget and `mem` bytes of memory. */
static inline struct lh_pool *
probe_pool_mem(const char *tree, const struct lh_services *svc, size_t mem)
{
    struct lh_limits lim;
    lh_limits_default(&lim);
    lim.call_ms = 10000;
    lim.mem_bytes = mem;
    return probe_pool_limits(tree, svc, &lim);
}

/* probe.lua:FUNC([arg]) in a state of `p`: what it returned, or "ERROR: ..." */
static inline const char *
probe_call(struct lh_pool *p, const char *func, const char *arg)
{
    static char res[16384];
    char name[128];
    struct buf out = BUF_INIT;
    snprintf(name, sizeof name, "probe.lua:%s", func);
    struct lh_state *st = lh_lease(p, probe_err, sizeof probe_err);
    int rc = !st   ? -1
             : arg ? lh_call(st, name, &out, probe_err, sizeof probe_err, "s", arg)
                   : lh_call(st, name, &out, probe_err, sizeof probe_err, "");
    lh_release(st);
    snprintf(res, sizeof res, "%s%s", rc < 0 ? "ERROR: " : "", rc < 0 ? probe_err : buf_str(&out));
    buf_free(&out);
    return res;
}

#endif
