/*
 * links_html.c - rewrite the links of an HTML body (see links.h)
 *
 * SYNOPSIS
 *     links_rewrite_html(in, len, opts, fn, ctx, out, &n, err, errlen)
 *     links_rewrite_html_marked(in, len, opts, fn, ctx, out, &n, &marks, err, errlen)
 *     links_html_marks(in, len, &marks)
 *     links_html_body_end(in, len)
 *     links_html_body_start(in, len)
 *
 * DESCRIPTION
 *     The tokenizer (links_html_scan.c) reports every tag; a link is the
 *     first href of an <a>, an <area> or a VML element (<v:roundrect>,
 *     <v:rect> ... the buttons Outlook draws, found inside conditional
 *     comments). Its value is decoded (links_charref.c) and handed to the
 *     splice run, which keeps the original quotes, escapes the replacement
 *     for them, and adds double quotes around a value that had none.
 *     The same scan notes where the visible document starts and ends
 *     (the tags that decide it never hold a link), translated to where
 *     they land in the output, so markup can be added without a second
 *     pass.
 *
 * DIAGNOSTICS
 *     Those of the splice run (links.c): "out of memory" and the
 *     callback's own reason.
 */
#include "links_int.h"

#include <stdint.h>
#include <string.h>

/* Elements whose href is a link a reader clicks. */
static bool
is_link_element(const struct html_tag *t)
{
    if (t->end_tag) return false;
    if (links_name_is(t->name, t->name_len, "a") || links_name_is(t->name, t->name_len, "area"))
        return true;
    return t->name_len > 2 && (t->name[0] == 'v' || t->name[0] == 'V') && t->name[1] == ':';
}

static int
on_link_tag(void *ctx, const struct html_tag *t)
{
    struct links_run *r = ctx;
    if (!is_link_element(t) || !t->has_href || t->notrack || !links_run_open(r)) return 0;
    bool unknown = false;
    buf_reset(&r->url);
    if (!links_charref_decode(r->in + t->href_start, t->href_stop - t->href_start, &r->url,
                              &unknown))
        return links_oom(r->err, r->errlen);
    if (unknown) return 0; /* a reference we cannot decode: do not guess the URL */
    enum links_quoting q = t->href_quote ? LINKS_ATTR_QUOTED : LINKS_ATTR_UNQUOTED;
    return links_run_offer(r, t->href_start, t->href_stop, q);
}

/* ---- where the visible document starts and ends ---- */

/*
 * The tags that decide both, seen in document order with their offsets
 * where they end up (the rewritten output, or the input itself).
 */
struct marks_scan {
    size_t base, len;                        /* offsets are into [base, base + len) */
    size_t body_open, head_close, html_open; /* just past the first of each; SIZE_MAX: none */
    size_t body_close, html_close;           /* start of the last of each; SIZE_MAX: none */
};

static void
marks_init(struct marks_scan *m, size_t base)
{
    *m = (struct marks_scan){base, 0, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX};
}

/* A tag at [start, stop) of the result. Outlook-only markup is neither top nor end. */
static void
marks_see(struct marks_scan *m, const struct html_tag *t, size_t start, size_t stop)
{
    if (t->in_conditional) return;
    bool body = links_name_is(t->name, t->name_len, "body");
    bool html = !body && links_name_is(t->name, t->name_len, "html");
    if (t->end_tag) {
        if (body) m->body_close = start;
        if (html) m->html_close = start;
        if (m->head_close == SIZE_MAX && links_name_is(t->name, t->name_len, "head"))
            m->head_close = stop;
        return;
    }
    if (body && m->body_open == SIZE_MAX) m->body_open = stop;
    if (html && m->html_open == SIZE_MAX) m->html_open = stop;
}

static void
marks_done(const struct marks_scan *m, struct links_html_marks *out)
{
    out->body_start = m->body_open != SIZE_MAX    ? m->body_open
                      : m->head_close != SIZE_MAX ? m->head_close
                      : m->html_open != SIZE_MAX  ? m->html_open
                                                  : m->base;
    out->body_end = m->body_close != SIZE_MAX   ? m->body_close
                    : m->html_close != SIZE_MAX ? m->html_close
                                                : m->base + m->len;
}

/* ---- rewriting ---- */

struct rewrite {
    struct links_run run;
    struct marks_scan marks;
};

/* Where input offset `at` (past every replacement so far) lands in the output. */
static size_t
out_offset(const struct links_run *r, size_t at)
{
    return r->out->len + (at - r->copied);
}

static int
on_tag(void *ctx, const struct html_tag *t)
{
    struct rewrite *w = ctx;
    if (!is_link_element(t)) /* a link's tag holds no body or html mark */
        marks_see(&w->marks, t, out_offset(&w->run, t->start), out_offset(&w->run, t->stop));
    return on_link_tag(&w->run, t);
}

int
links_rewrite_html_marked(const char *in, size_t len, const struct links_opts *opts, links_fn fn,
                          void *ctx, struct buf *out, unsigned *nlinks,
                          struct links_html_marks *marks, char *err, size_t errlen)
{
    struct rewrite w;
    links_run_init(&w.run, in, len, opts, fn, ctx, out, err, errlen);
    w.run.html = true;
    marks_init(&w.marks, out->len);
    if (html_scan(in, len, on_tag, &w) != 0) {
        links_run_free(&w.run);
        return -1;
    }
    if (links_run_finish(&w.run, nlinks) < 0) return -1;
    w.marks.len = out->len - w.marks.base;
    if (marks) marks_done(&w.marks, marks);
    return 0;
}

int
links_rewrite_html(const char *in, size_t len, const struct links_opts *opts, links_fn fn,
                   void *ctx, struct buf *out, unsigned *nlinks, char *err, size_t errlen)
{
    return links_rewrite_html_marked(in, len, opts, fn, ctx, out, nlinks, NULL, err, errlen);
}

/* ---- the marks alone ---- */

static int
on_mark_tag(void *ctx, const struct html_tag *t)
{
    marks_see(ctx, t, t->start, t->stop);
    return 0;
}

void
links_html_marks(const char *in, size_t len, struct links_html_marks *marks)
{
    struct marks_scan m;
    marks_init(&m, 0);
    m.len = len;
    html_scan(in, len, on_mark_tag, &m);
    marks_done(&m, marks);
}

size_t
links_html_body_end(const char *in, size_t len)
{
    struct links_html_marks m;
    links_html_marks(in, len, &m);
    return m.body_end;
}

size_t
links_html_body_start(const char *in, size_t len)
{
    struct links_html_marks m;
    links_html_marks(in, len, &m);
    return m.body_start;
}
