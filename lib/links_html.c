/*
 * links_html.c - rewrite the links of an HTML body (see links.h)
 *
 * SYNOPSIS
 *     links_rewrite_html(in, len, opts, fn, ctx, out, &n, err, errlen)
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

int
links_rewrite_html(const char *in, size_t len, const struct links_opts *opts, links_fn fn,
                   void *ctx, struct buf *out, unsigned *nlinks, char *err, size_t errlen)
{
    struct links_run r;
    links_run_init(&r, in, len, opts, fn, ctx, out, err, errlen);
    r.html = true;
    if (html_scan(in, len, on_link_tag, &r) != 0) {
        links_run_free(&r);
        return -1;
    }
    return links_run_finish(&r, nlinks);
}

/* ---- where the visible document ends ---- */

struct body_end {
    size_t body, html; /* start of the last </body> and </html>; SIZE_MAX: none */
};

static int
on_end_tag(void *ctx, const struct html_tag *t)
{
    struct body_end *b = ctx;
    if (!t->end_tag || t->in_conditional) return 0; /* Outlook-only markup is not the end */
    if (links_name_is(t->name, t->name_len, "body")) b->body = t->start;
    if (links_name_is(t->name, t->name_len, "html")) b->html = t->start;
    return 0;
}

size_t
links_html_body_end(const char *in, size_t len)
{
    struct body_end b = {SIZE_MAX, SIZE_MAX};
    html_scan(in, len, on_end_tag, &b);
    if (b.body != SIZE_MAX) return b.body;
    return b.html != SIZE_MAX ? b.html : len;
}

struct body_start {
    size_t body, head, html; /* just past the first <body>, </head>, <html>; SIZE_MAX: none */
};

static int
on_top_tag(void *ctx, const struct html_tag *t)
{
    struct body_start *b = ctx;
    if (t->in_conditional) return 0; /* Outlook-only markup is not the top */
    if (!t->end_tag && links_name_is(t->name, t->name_len, "body")) {
        b->body = t->stop;
        return 1; /* nothing after it matters */
    }
    if (t->end_tag && b->head == SIZE_MAX && links_name_is(t->name, t->name_len, "head"))
        b->head = t->stop;
    if (!t->end_tag && b->html == SIZE_MAX && links_name_is(t->name, t->name_len, "html"))
        b->html = t->stop;
    return 0;
}

size_t
links_html_body_start(const char *in, size_t len)
{
    struct body_start b = {SIZE_MAX, SIZE_MAX, SIZE_MAX};
    html_scan(in, len, on_top_tag, &b);
    if (b.body != SIZE_MAX) return b.body;
    if (b.head != SIZE_MAX) return b.head;
    return b.html != SIZE_MAX ? b.html : 0;
}
