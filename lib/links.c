/*
 * links.c - the splice run shared by the HTML and text rewriters
 *
 * SYNOPSIS
 *     links_run_init(&r, in, len, opts, fn, ctx, out, err, errlen);
 *     ... a finder fills r.url and calls links_run_offer(&r, start, stop, q)
 *     links_run_finish(&r, nlinks);
 *
 * DESCRIPTION
 *     Finders report each candidate URL with the byte range it occupies.
 *     The run copies the bytes before that range verbatim, asks the offer
 *     policy (links_url.c) and then the caller's callback, and writes the
 *     replacement in place of the range, escaped for where it goes. Bytes
 *     are copied lazily, one memcpy per untouched stretch, so a document
 *     costs one pass however many links it holds.
 *
 * DIAGNOSTICS
 *     "out of memory"; a callback's own reason when it aborts, or
 *     "link callback failed" when it gave none.
 */
#include "links_int.h"

#include <stdio.h>
#include <string.h>

int
links_oom(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    return -1;
}

void
links_run_init(struct links_run *r, const char *in, size_t len, const struct links_opts *opts,
               links_fn fn, void *ctx, struct buf *out, char *err, size_t errlen)
{
    static const struct links_opts none = {NULL, 0};
    memset(r, 0, sizeof *r);
    r->in = in;
    r->len = len;
    r->opts = opts ? opts : &none;
    r->max = r->opts->max_links ? r->opts->max_links : LINKS_MAX_DEFAULT;
    r->fn = fn;
    r->ctx = ctx;
    r->out = out;
    r->err = err;
    r->errlen = errlen;
}

bool
links_run_open(const struct links_run *r)
{
    return r->offered < r->max;
}

/* ---- escaping ---- */

/* The entity of each byte an attribute value cannot hold as it is; 0 for the others. */
static const unsigned char entity_of[256] = {
    ['&'] = 1, ['<'] = 2, ['>'] = 3, ['"'] = 4, ['\''] = 5};
static const char *const entities[] = {NULL, "&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};

/* links_attr_escape that tells whether the memory was there. */
static bool
escape_attr(struct buf *out, const char *s, size_t len)
{
    size_t run = 0; /* start of the stretch that needs no escaping */
    for (size_t i = 0; i < len; i++) {
        unsigned e = entity_of[(unsigned char)s[i]];
        if (!e) continue; /* a tracking URL: every byte */
        if (!buf_append(out, s + run, i - run) || !buf_puts(out, entities[e])) return false;
        run = i + 1;
    }
    return buf_append(out, s + run, len - run);
}

/* Out of memory shows as a short `out`; callers that must know use the run. */
void
links_attr_escape(struct buf *out, const char *s, size_t len)
{
    (void)escape_attr(out, s, len);
}

/* Trim HTML white space off r->url in place; the result stays NUL-terminated. */
static void
trim_url(struct links_run *r)
{
    size_t a = 0, b = r->url.len;
    const unsigned char *u = (const unsigned char *)buf_str(&r->url);
    while (a < b && links_is_space(u[a]))
        a++;
    while (b > a && links_is_space(u[b - 1]))
        b--;
    if (a) memmove(r->url.data, r->url.data + a, b - a);
    buf_truncate(&r->url, b - a);
}

/* Ask the callback; <0 abort, 0 keep, >0 replacement in r->repl. */
static int
ask(struct links_run *r)
{
    struct link l = {buf_str(&r->url), r->url.len, r->offered++, r->html};
    buf_reset(&r->repl);
    if (r->errlen) r->err[0] = '\0';
    int rc = r->fn(r->ctx, &l, &r->repl, r->err, r->errlen);
    if (rc < 0 && r->errlen && !r->err[0]) snprintf(r->err, r->errlen, "link callback failed");
    return rc;
}

static bool
write_replacement(struct links_run *r, enum links_quoting q)
{
    const char *s = buf_str(&r->repl);
    switch (q) {
    case LINKS_RAW: return buf_append(r->out, s, r->repl.len);
    case LINKS_ATTR_QUOTED: return escape_attr(r->out, s, r->repl.len);
    case LINKS_ATTR_UNQUOTED:
        return buf_putc(r->out, '"') && escape_attr(r->out, s, r->repl.len) &&
               buf_putc(r->out, '"');
    }
    return false;
}

int
links_run_offer(struct links_run *r, size_t start, size_t stop, enum links_quoting q)
{
    if (!links_run_open(r)) return 0;
    trim_url(r);
    if (!links_url_offerable(buf_str(&r->url), r->url.len, r->opts->notrack_domains)) return 0;
    int rc = ask(r);
    if (rc < 0) return -1;
    if (rc == 0) return 0;
    if (!buf_append(r->out, r->in + r->copied, start - r->copied) || !write_replacement(r, q))
        return links_oom(r->err, r->errlen);
    r->copied = stop;
    r->replaced++;
    return 0;
}

void
links_run_free(struct links_run *r)
{
    buf_free(&r->url);
    buf_free(&r->repl);
}

int
links_run_finish(struct links_run *r, unsigned *nlinks)
{
    bool good = buf_append(r->out, r->in + r->copied, r->len - r->copied);
    links_run_free(r);
    if (!good) return links_oom(r->err, r->errlen);
    r->copied = r->len;
    if (nlinks) *nlinks = r->replaced;
    return 0;
}
