/*
 * lh_reg_lint.c - loading a scripts tree to report every problem (`tern lint`)
 *
 * Unlike a reload, which stops at the first error and keeps the serving
 * generation, lint wants every problem: it builds one state for a
 * generation that never serves, runs each file in it (a failing file is
 * reported and the next one runs), then the post-load checks, skipping the
 * journeys of files that failed (their steps may never have been defined).
 * Uses the host's internals (lh_int.h) the way lh_pool.c builds states.
 */
#include "lh_reg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lh_int.h"

#define MSG_MAX 4096

/* The caller's report function, minus repeats (a module's error is met by every requirer). */
struct dedup {
    lh_lint_report report;
    void *ctx;
    char **seen;
    size_t n;
    int reported;
};

static void
report_once(void *ctx, const char *problem)
{
    struct dedup *d = ctx;
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->seen[i], problem) == 0) return;
    char **seen = realloc(d->seen, (d->n + 1) * sizeof *seen);
    if (seen) { /* out of memory: report, just not deduplicated */
        d->seen = seen;
        if ((seen[d->n] = strdup(problem))) d->n++;
    }
    d->report(d->ctx, problem);
    d->reported++;
}

/* Report the first line of `msg` (no traceback), naming `path` when it does not. */
static void
report_first_line(lh_lint_report report, void *ctx, const char *path, const char *msg)
{
    char line[MSG_MAX + 256];
    size_t len = strcspn(msg, "\n");
    size_t plen = strlen(path);
    bool named = strncmp(msg, path, plen) == 0 && msg[plen] == ':';
    const char *colon = memchr(msg, ':', len);
    if (!named && colon && colon - msg > 4 && strncmp(colon - 4, ".lua", 4) == 0)
        named = true; /* an error inside a module this file required */
    snprintf(line, sizeof line, "%s%s%.*s", named ? "" : path, named ? "" : ": ", (int)len, msg);
    report(ctx, line);
}

/* Report each line of a multi-line problem list. */
static void
report_lines(lh_lint_report report, void *ctx, const char *msg)
{
    char line[MSG_MAX];
    while (*msg) {
        size_t len = strcspn(msg, "\n");
        snprintf(line, sizeof line, "%.*s", (int)len, msg);
        report(ctx, line);
        msg += len + (msg[len] == '\n');
    }
}

static int
lint_state(struct lh_state *st, struct lh_gen *gen, struct dedup *d, struct lh_reg **reg, char *err,
           size_t errlen)
{
    static char msg[MSG_MAX];
    const char **failed = calloc(gen->nsrc + 1, sizeof *failed);
    if (!failed) {
        lh_error_copy(err, errlen, "lua: out of memory");
        return -1;
    }
    size_t nfailed = 0;
    for (size_t i = 0; i < gen->nsrc; i++) {
        if (lh_state_run_file(st, gen->src[i].path, msg, sizeof msg) == 0) continue;
        report_first_line(report_once, d, gen->src[i].path, msg);
        failed[nfailed++] = gen->src[i].path;
    }
    if (lh_reg_validate_except(st, failed, nfailed, msg, sizeof msg) < 0)
        report_lines(report_once, d, msg);
    free(failed);
    if (d->reported == 0 && reg && lh_reg_get(st, reg, err, errlen) < 0) return -1;
    return d->reported;
}

int
lh_lint_scripts(const char *root, const struct lh_limits *lim, lh_lint_report report, void *ctx,
                struct lh_reg **reg, char *err, size_t errlen)
{
    if (reg) *reg = NULL;
    struct lh_pool *pool = lh_pool_new(lim, 1, err, errlen);
    if (!pool) return -1;
    struct lh_gen *gen = calloc(1, sizeof *gen);
    int rc = -1;
    if (!gen) {
        lh_error_copy(err, errlen, "lua: out of memory");
    } else if (lh_tree_read(root, pool->lim.script_bytes, &gen->root, &gen->src, &gen->nsrc, err,
                            errlen) == 0) {
        struct dedup d = {report, ctx, NULL, 0, 0};
        struct lh_state *st = lh_state_new(pool, gen, err, errlen);
        if (st) rc = lint_state(st, gen, &d, reg, err, errlen);
        lh_state_close(st);
        for (size_t i = 0; i < d.n; i++)
            free(d.seen[i]);
        free(d.seen);
        lh_tree_free(gen->src, gen->nsrc);
        free(gen->root);
    }
    free(gen);
    lh_pool_free(pool);
    return rc;
}
