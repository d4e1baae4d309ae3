/*
 * tpl.h - Mustache templates: compile once, render many
 *
 * Owns: the template language of every outgoing managed message and of
 * `tern render` previews (doc/templates.md is the reference for authors).
 * The official Mustache spec's core modules (interpolation, sections,
 * inverted, comments, partials, delimiters), inheritance ({{<parent}},
 * {{$block}}) and dynamic partial names ({{>*name}}), plus filters on
 * interpolations: {{contact.first_name | default: "there"}}.
 *
 *     struct tpl_error err;
 *     struct tpl *t = tpl_compile(src, len, NULL, &err);    // once
 *     tpl_render(t, view, &ro, &out, &err);                  // per message
 *
 * A compiled template is immutable and holds no references to the view or
 * to other templates: share it between threads freely. Partials are
 * resolved at render time through a callback returning compiled templates,
 * so the caller compiles each one once and caches it (struct tpl_set does
 * that).
 *
 * Bounded: the source size, section nesting, partial depth and output size
 * are all capped; hitting a cap is an error, never a silent truncation.
 *
 * Depends on: libc (pthread for tpl_set), jansson and lib/buf. No Lua.
 */
#ifndef TERN_TPL_H
#define TERN_TPL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "buf.h"

#define TPL_DEFAULT_MAX_SOURCE        (4u << 20) /* bytes of template source */
#define TPL_HARD_MAX_SOURCE           (64u << 20)
#define TPL_DEFAULT_MAX_OUTPUT        (8u << 20) /* bytes one render may add */
#define TPL_DEFAULT_MAX_PARTIAL_DEPTH 32         /* partials/parents inside each other */
#define TPL_MAX_NESTING               64         /* sections and blocks inside one template */
#define TPL_MAX_NAME                  255        /* bytes in a name or partial name */

struct tpl;

/*
 * Where and why compiling or rendering failed. `msg` is complete and ready
 * to show: "line 4, column 12: section \"items\" is never closed". Columns
 * count characters (UTF-8 code points) from 1. Errors inside a partial name
 * it: "partial \"footer\": line 2, column 5: variable \"x\" is missing".
 *
 * tpl_render() also reports, on success, how many interpolations rendered
 * empty for lack of data (`misses`, lenient mode) and the first such name.
 */
struct tpl_error {
    int line, column; /* of the offending tag; 0 when not tied to a position */
    char msg[320];
    unsigned misses;
    char first_miss[64];
};

/* Compile options; NULL means all defaults. */
struct tpl_opts {
    const char *name;  /* shown in errors raised inside this template as a partial */
    size_t max_source; /* 0: TPL_DEFAULT_MAX_SOURCE; at most TPL_HARD_MAX_SOURCE */
};

/*
 * Compile `len` bytes of Mustache source (need not be NUL-terminated).
 * Returns a template to free with tpl_free(), or NULL with `err` filled:
 * unclosed or mismatched sections, unclosed tags, bad delimiter changes,
 * bad names, unknown filters or bad filter arguments, excessive nesting.
 */
struct tpl *tpl_compile(const char *src, size_t len, const struct tpl_opts *opts,
                        struct tpl_error *err);
void tpl_free(struct tpl *t);
/* The name given at compile time, "" when none. */
const char *tpl_name(const struct tpl *t);

enum tpl_context {
    TPL_HTML = 0, /* {{x}} escapes & < > " ' ; {{{x}}} and {{& x}} do not */
    TPL_TEXT = 1, /* nothing is escaped (text parts, subjects) */
};

/*
 * Resolve partial `name` (also used for {{<parent}}) to a compiled
 * template. Return NULL when there is no such partial (it renders empty,
 * or fails in strict mode), or NULL with err->msg set when loading or
 * compiling it failed (the render fails with that message). The returned
 * template must stay valid until tpl_render() returns.
 */
typedef const struct tpl *(*tpl_partial_fn)(void *ctx, const char *name, struct tpl_error *err);

/* Render options; all-zero (or NULL) is HTML, lenient, default caps, no partials. */
struct tpl_render_opts {
    enum tpl_context context;
    bool strict;                /* a missing variable is an error, not an empty string */
    size_t max_output;          /* 0: TPL_DEFAULT_MAX_OUTPUT */
    unsigned max_partial_depth; /* 0: TPL_DEFAULT_MAX_PARTIAL_DEPTH */
    tpl_partial_fn partial;
    void *partial_ctx;
    const atomic_int *interrupt; /* NULL, or once set the render stops (a caller's time limit) */
    int64_t deadline_ms;         /* 0, or CLOCK_MONOTONIC ms past which the render stops */
};

/*
 * Render `t` against `view` (a JSON object; NULL renders against {}),
 * appending to `out`. Returns 0, with err->misses counting interpolations
 * that rendered empty because their data was missing or null; or -1 with
 * `err` filled and `out` restored to its length on entry (never a
 * truncated success). Thread-safe: many threads may render one template.
 */
int tpl_render(const struct tpl *t, json_t *view, const struct tpl_render_opts *opts,
               struct buf *out, struct tpl_error *err);

/*
 * A named set of compiled templates: the partial cache. Templates are added
 * up front with tpl_set_add() or loaded on first use through `load`, which
 * fills `src` and returns 1, returns 0 when there is no such template, or
 * -1 with err->msg set. Misses are remembered too, so a missing partial
 * costs one load, not one per message. Thread-safe (one mutex); templates
 * stay valid until tpl_set_free().
 */
typedef int (*tpl_load_fn)(void *ctx, const char *name, struct buf *src, struct tpl_error *err);

struct tpl_set;

struct tpl_set *tpl_set_new(tpl_load_fn load, void *load_ctx, const struct tpl_opts *opts);
void tpl_set_free(struct tpl_set *s);
/* Compile and add (or replace) `name`. -1 with `err` filled on failure. */
int tpl_set_add(struct tpl_set *s, const char *name, const char *src, size_t len,
                struct tpl_error *err);
/* Find or load `name`; NULL when missing (err->msg "") or failing (err->msg set). */
const struct tpl *tpl_set_get(struct tpl_set *s, const char *name, struct tpl_error *err);
/* tpl_set_get() in the shape of a tpl_partial_fn: pass the set as partial_ctx. */
const struct tpl *tpl_set_partial(void *set, const char *name, struct tpl_error *err);

#endif
