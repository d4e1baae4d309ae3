/*
 * tpl_render.c - compiled template + JSON view -> bytes (see tpl.h)
 *
 * A walk over the node array with a context stack of JSON values (the
 * view at the bottom, one entry per section entered). Literal text is
 * copied as it is unless a standalone partial or block is being expanded,
 * in which case its indentation is written before each line, lazily, so
 * repeated sections and nested partials indent exactly like the source.
 * Blocks look for overrides in the chain of {{<parent}} tags being
 * expanded; the outermost template wins. Everything here is per call: a
 * compiled template is only read.
 */
#include "tpl_int.h"

#include <stdarg.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 256 /* nested sections, partials and blocks in one render */

struct args { /* the blocks one {{<parent}} tag passes down */
    const struct args *outer;
    const struct tpl *t;
    uint32_t node;
};

struct rs {
    const struct tpl_render_opts *o;
    const struct tpl *root;
    struct tpl_out out;
    json_t *ctx[MAX_DEPTH + 2];
    int nctx;
    struct buf indent; /* written at each line start of the current expansion */
    bool pending;      /* at a line start: the indentation is due */
    const struct args *args;
    int depth;
    unsigned pdepth, max_pdepth;
    struct buf scratch[3]; /* filter chains rotate through these */
    struct tpl_error *err;
    unsigned entered; /* sections entered: the deadline is read every 256 */
};

/* Whether CLOCK_MONOTONIC is past `deadline_ms`. */
static bool
past(int64_t deadline_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 > deadline_ms;
}

/* ------------------------------------------------------------------ errors */

__attribute__((format(printf, 4, 5))) static int
fail(struct rs *r, const struct tpl *t, const struct tpl_node *n, const char *fmt, ...)
{
    struct tpl_error *e = r->err;
    size_t len = 0;
    if (t && t != r->root && t->name[0])
        len += (size_t)snprintf(e->msg, sizeof e->msg, "partial \"%s\": ", t->name);
    if (n && len < sizeof e->msg) {
        len += (size_t)snprintf(e->msg + len, sizeof e->msg - len, "line %u, column %u: ", n->line,
                                n->col);
        e->line = (int)n->line;
        e->column = (int)n->col;
    }
    va_list ap;
    va_start(ap, fmt);
    if (len < sizeof e->msg) vsnprintf(e->msg + len, sizeof e->msg - len, fmt, ap);
    va_end(ap);
    return -1;
}

static int
out_fail(struct rs *r)
{
    if (r->out.fail == TPL_OUT_CAP)
        return fail(r, NULL, NULL, "output is larger than the limit of %zu bytes",
                    r->o->max_output ? r->o->max_output : (size_t)TPL_DEFAULT_MAX_OUTPUT);
    return fail(r, NULL, NULL, "out of memory");
}

/* ------------------------------------------------------------------ output */

static bool
blank_line(const char *s, size_t k)
{
    return (k == 1 && s[0] == '\n') || (k == 2 && s[0] == '\r' && s[1] == '\n');
}

/* Literal text; with indentation active, each non-empty line gets it first. */
static int
text(struct rs *r, const char *s, size_t n)
{
    if (!r->indent.len) return tpl_out_put(&r->out, s, n) ? 0 : out_fail(r);
    while (n) {
        const char *nl = memchr(s, '\n', n);
        size_t k = nl ? (size_t)(nl - s) + 1 : n;
        if (r->pending && !blank_line(s, k) && !tpl_out_put(&r->out, r->indent.data, r->indent.len))
            return out_fail(r);
        if (!tpl_out_put(&r->out, s, k)) return out_fail(r);
        r->pending = nl != NULL;
        s += k, n -= k;
    }
    return 0;
}

/* An interpolated value: escaped unless raw; never re-indented inside. */
static int
value(struct rs *r, const char *s, size_t n, bool raw)
{
    if (!n) return 0;
    if (r->pending && r->indent.len && !tpl_out_put(&r->out, r->indent.data, r->indent.len))
        return out_fail(r);
    r->pending = false;
    bool ok = raw ? tpl_out_put(&r->out, s, n) : tpl_escape_html(&r->out, s, n);
    return ok ? 0 : out_fail(r);
}

static int
push_indent(struct rs *r, const char *s, size_t n)
{
    r->pending = true; /* standalone tags start their line */
    return buf_append(&r->indent, s, n) ? 0 : fail(r, NULL, NULL, "out of memory");
}

/* ------------------------------------------------------------------ lookup */

static json_t *
child(json_t *v, const struct tpl *t, const struct tpl_seg *g)
{
    if (json_is_object(v)) return json_object_getn(v, t->pool + g->off, g->len);
    if (json_is_array(v) && g->index >= 0) return json_array_get(v, (size_t)g->index);
    return NULL;
}

/*
 * The spec's name resolution: the first part is searched from the top of
 * the context stack down; the rest must resolve inside what it found (a
 * broken chain is a miss, never a search further down).
 */
static json_t *
lookup(struct rs *r, const struct tpl *t, const struct tpl_node *n)
{
    if (n->nseg == 0) return r->ctx[r->nctx - 1];
    const struct tpl_seg *g = &t->segs[n->seg];
    json_t *v = NULL;
    for (int i = r->nctx; i-- > 0 && !v;)
        v = child(r->ctx[i], t, g);
    for (unsigned k = 1; v && k < n->nseg; k++)
        v = child(v, t, &g[k]);
    return v;
}

/* Sections skip missing, null, false, "" and []; everything else renders. */
static bool
truthy(json_t *v)
{
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_NULL:
    case JSON_FALSE: return false;
    case JSON_ARRAY: return json_array_size(v) > 0;
    case JSON_STRING: return json_string_length(v) > 0;
    default: return true;
    }
}

/* ------------------------------------------------------------------ nodes */

static int render(struct rs *r, const struct tpl *t, uint32_t i, uint32_t to);

static int
miss(struct rs *r, const struct tpl *t, const struct tpl_node *n, json_t *v)
{
    const char *name = t->pool + n->off;
    if (r->o->strict) return fail(r, t, n, "variable \"%s\" is %s", name, v ? "null" : "missing");
    if (r->err->misses++ == 0) snprintf(r->err->first_miss, sizeof r->err->first_miss, "%s", name);
    return 0;
}

static int
var(struct rs *r, const struct tpl *t, const struct tpl_node *n)
{
    json_t *j = lookup(r, t, n);
    struct tpl_val v = {.j = j, .missing = !j || json_is_null(j)};
    unsigned cur = 0;
    for (unsigned k = 0; k < n->nfilt; k++, cur = (cur + 1) % 3) {
        char msg[200];
        int rc = tpl_filter_apply(t, &t->filts[n->filt + k], &v, &r->scratch[(cur + 1) % 3],
                                  &r->scratch[(cur + 2) % 3], msg, sizeof msg);
        if (rc == -2 || (rc < 0 && r->o->strict)) return fail(r, t, n, "%s", msg);
        if (rc < 0) v = (struct tpl_val){.missing = true}; /* lenient: empty, counted */
    }
    if (v.missing) return miss(r, t, n, j);
    if (!tpl_val_text(&v, &r->scratch[(cur + 1) % 3])) return fail(r, NULL, NULL, "out of memory");
    return value(r, v.s, v.n, (n->flags & TF_RAW) || r->o->context == TPL_TEXT);
}

static int
enter(struct rs *r, const struct tpl *t, const struct tpl_node *n, uint32_t i, json_t *v)
{
    if (r->nctx == MAX_DEPTH + 2) return fail(r, t, n, "sections nested too deeply");
    /* nested sections over lists multiply: a few levels can take minutes */
    if (r->o->interrupt && atomic_load_explicit(r->o->interrupt, memory_order_relaxed))
        return fail(r, t, n, "interrupted");
    if (r->o->deadline_ms && (++r->entered & 255) == 0 && past(r->o->deadline_ms))
        return fail(r, t, n, "rendering took longer than its time limit");
    r->ctx[r->nctx++] = v;
    int rc = render(r, t, i + 1, n->end);
    r->nctx--;
    return rc;
}

static int
section(struct rs *r, const struct tpl *t, const struct tpl_node *n, uint32_t i)
{
    json_t *v = lookup(r, t, n);
    bool yes = truthy(v);
    if (n->kind == TK_INVERTED) return yes ? 0 : render(r, t, i + 1, n->end);
    if (!yes) return 0;
    if (!json_is_array(v)) return enter(r, t, n, i, v);
    for (size_t k = 0; k < json_array_size(v); k++)
        if (enter(r, t, n, i, json_array_get(v, k)) < 0) return -1;
    return 0;
}

/* The template a partial or parent tag names; NULL when none (*rc says if that is an error). */
static const struct tpl *
resolve(struct rs *r, const struct tpl *t, const struct tpl_node *n, int *rc)
{
    const char *name = t->pool + n->off;
    *rc = 0;
    if (n->flags & TF_DYNAMIC) {
        json_t *v = lookup(r, t, n);
        const char *s = json_string_value(v);
        if (!s || !s[0] || strlen(s) != json_string_length(v) || strlen(s) > TPL_MAX_NAME) {
            if (r->o->strict) *rc = fail(r, t, n, "\"%s\" does not name a partial", name);
            return NULL;
        }
        name = s;
    }
    const struct tpl *p = NULL;
    struct tpl_error e;
    memset(&e, 0, sizeof e);
    if (r->o->partial) p = r->o->partial(r->o->partial_ctx, name, &e);
    if (!p && e.msg[0])
        *rc = fail(r, t, n, "partial \"%s\": %s", name, e.msg);
    else if (!p && r->o->strict)
        *rc = fail(r, t, n, "partial \"%s\" not found", name);
    return p;
}

/* {{>name}}, or {{<name}} when `a` carries the parent's blocks. */
static int
partial(struct rs *r, const struct tpl *t, const struct tpl_node *n, const struct args *a)
{
    int rc;
    const struct tpl *p = resolve(r, t, n, &rc);
    if (!p) return rc;
    if (r->pdepth == r->max_pdepth)
        return fail(r, t, n, "partial \"%s\" nested more than %u deep (does it include itself?)",
                    tpl_name(p)[0] ? tpl_name(p) : t->pool + n->off, r->max_pdepth);
    size_t indent = r->indent.len;
    const struct args *outer = r->args;
    r->pdepth++;
    if (a) r->args = a;
    rc = n->flags & TF_STANDALONE ? push_indent(r, t->pool + n->ind, n->indlen) : 0;
    if (rc == 0) rc = render(r, p, 0, p->nnodes);
    r->indent.len = indent;
    r->args = outer;
    r->pdepth--;
    return rc;
}

static int
parent(struct rs *r, const struct tpl *t, const struct tpl_node *n, uint32_t i)
{
    struct args a = {r->args, t, i};
    return partial(r, t, n, &a);
}

/* The override for block `name`: the outermost parent tag passing one wins. */
static void
find_override(const struct args *a, const char *name, uint32_t len, const struct tpl **bt,
              uint32_t *bi)
{
    for (; a; a = a->outer) {
        const struct tpl_node *nodes = a->t->nodes;
        for (uint32_t j = a->node + 1; j < nodes[a->node].end; j = nodes[j].end) {
            const struct tpl_node *c = &nodes[j];
            if (c->kind == TK_BLOCK && c->len == len && !memcmp(a->t->pool + c->off, name, len)) {
                *bt = a->t;
                *bi = j;
                break;
            }
        }
    }
}

static int
block(struct rs *r, const struct tpl *t, const struct tpl_node *n, uint32_t i)
{
    const struct tpl *bt = t;
    uint32_t bi = i;
    find_override(r->args, t->pool + n->off, n->len, &bt, &bi);
    size_t indent = r->indent.len;
    int rc = 0;
    if (n->flags & TF_STANDALONE)
        rc = n->indlen ? push_indent(r, t->pool + n->ind, n->indlen)
                       : push_indent(r, t->pool + n->bef, n->beflen);
    if (rc == 0) rc = render(r, bt, bi + 1, bt->nodes[bi].end);
    r->indent.len = indent;
    return rc;
}

static int
render(struct rs *r, const struct tpl *t, uint32_t i, uint32_t to)
{
    if (r->depth == MAX_DEPTH)
        return fail(r, t, i < to ? &t->nodes[i] : NULL, "templates nested more than %d deep",
                    MAX_DEPTH);
    r->depth++;
    int rc = 0;
    while (i < to && rc == 0) {
        const struct tpl_node *n = &t->nodes[i];
        switch (n->kind) {
        case TK_TEXT: rc = text(r, t->pool + n->off, n->len); break;
        case TK_VAR: rc = var(r, t, n); break;
        case TK_SECTION:
        case TK_INVERTED: rc = section(r, t, n, i); break;
        case TK_PARTIAL: rc = partial(r, t, n, NULL); break;
        case TK_PARENT: rc = parent(r, t, n, i); break;
        case TK_BLOCK: rc = block(r, t, n, i); break;
        default: break;
        }
        i = n->end;
    }
    r->depth--;
    return rc;
}

int
tpl_render(const struct tpl *t, json_t *view, const struct tpl_render_opts *opts, struct buf *out,
           struct tpl_error *err)
{
    static const struct tpl_render_opts defaults;
    struct tpl_error dummy;
    struct rs r;
    if (!err) err = &dummy;
    memset(err, 0, sizeof *err);
    memset(&r, 0, sizeof r);
    r.o = opts ? opts : &defaults;
    r.root = t;
    r.err = err;
    r.max_pdepth = r.o->max_partial_depth ? r.o->max_partial_depth : TPL_DEFAULT_MAX_PARTIAL_DEPTH;
    size_t start = out->len;
    size_t cap = r.o->max_output ? r.o->max_output : TPL_DEFAULT_MAX_OUTPUT;
    r.out = (struct tpl_out){out, cap > SIZE_MAX - start ? SIZE_MAX : start + cap, TPL_OUT_OK};
    r.ctx[r.nctx++] = view; /* NULL works: every lookup misses */
    size_t hint = t->text_bytes + t->text_bytes / 4 + 256;
    if (buf_reserve(out, hint < cap ? hint : cap)) /* only a hint: failure shows up later */
        out->data[out->len] = '\0';                /* a fresh buffer is not terminated yet */
    int rc = render(&r, t, 0, t->nnodes);
    if (rc < 0) {
        out->len = start;
        if (out->data) out->data[start] = '\0';
    }
    for (int i = 0; i < 3; i++)
        buf_free(&r.scratch[i]);
    buf_free(&r.indent);
    return rc < 0 ? -1 : 0;
}
