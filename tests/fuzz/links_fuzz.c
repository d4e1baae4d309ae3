/*
 * links_fuzz.c - libFuzzer target for HTML link rewriting and the text URL finder
 *
 * Each input is rewritten both as HTML and as plain text, and must keep
 * these promises (any broken one traps):
 *   1. a callback that keeps every link gives the input back, byte for byte;
 *   2. a callback that replaces two links of three with a marker (for HTML
 *      one full of characters that need escaping) gives an output whose
 *      second rewrite offers the same links in the same order: the markers
 *      where links were replaced, the old URLs where they were kept - so
 *      splicing never changed the structure around a link;
 *   3. every offered URL is NUL-terminated, starts with http:// or https://
 *      and holds no control character;
 *   4. a callback that aborts at link k makes the rewrite fail with a
 *      reason exactly when there is a link k;
 *   5. links_html_body_end stays within the input;
 *   6. the marks links_rewrite_html_marked finds while replacing links
 *      are those links_html_marks finds in its output, counted from what
 *      the output buffer held before.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "links.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_KEPT 4096

enum mode { KEEP_ALL, REPLACE_SOME, RECORD, ABORT_AT };

struct run {
    enum mode mode;
    bool html;
    unsigned abort_at;
    unsigned n;
    struct buf urls;              /* offered URLs, NUL-separated */
    bool replaced[MAX_KEPT];      /* REPLACE_SOME: which ones */
    size_t offsets[MAX_KEPT + 1]; /* start of URL k in urls */
};

static void
marker(struct buf *out, bool html, unsigned index)
{
    if (!(html ? buf_printf(out, "https://t.example/c/%u?a=1&b=\"<'>\"", index)
               : buf_printf(out, "https://t.example/c/%u", index)))
        __builtin_trap();
}

static void
check_offered(const struct link *l)
{
    if (l->url[l->len] != '\0' || strlen(l->url) != l->len) __builtin_trap();
    if (strncasecmp(l->url, "http://", 7) != 0 && strncasecmp(l->url, "https://", 8) != 0)
        __builtin_trap();
    for (size_t i = 0; i < l->len; i++)
        if ((unsigned char)l->url[i] < 0x20 || l->url[i] == 0x7f) __builtin_trap();
}

static int
on_link(void *ctx, const struct link *l, struct buf *out, char *err, size_t errlen)
{
    struct run *r = ctx;
    check_offered(l);
    if (l->index != r->n || l->html != r->html) __builtin_trap();
    unsigned k = r->n++;
    if (k < MAX_KEPT) {
        r->offsets[k] = r->urls.len;
        if (!buf_append(&r->urls, l->url, l->len + 1)) __builtin_trap();
    }
    switch (r->mode) {
    case KEEP_ALL: return 0;
    case RECORD: return 0;
    case ABORT_AT:
        if (k < r->abort_at) return 0;
        snprintf(err, errlen, "abort at %u", k);
        return -1;
    case REPLACE_SOME:
        if (k < MAX_KEPT) r->replaced[k] = k % 3 != 2;
        if (k % 3 == 2) return 0;
        marker(out, r->html, k);
        return 1;
    }
    return 0;
}

typedef int (*rewrite_fn)(const char *, size_t, const struct links_opts *, links_fn, void *,
                          struct buf *, unsigned *, char *, size_t);

static int
rewrite(rewrite_fn fn, const char *in, size_t len, struct run *r, struct buf *out, unsigned *n,
        char *err, size_t errlen)
{
    static const struct links_opts opts = {"notrack.example, *.skip.example", 0};
    r->n = 0;
    buf_reset(&r->urls);
    return fn(in, len, &opts, on_link, r, out, n, err, errlen);
}

static const char *
url_of(const struct run *r, unsigned k)
{
    return r->urls.data + r->offsets[k];
}

/* Promise 2: the rewritten output offers the same links, markers where replaced. */
static void
same_links_again(rewrite_fn fn, const struct run *first, const struct buf *out, bool html)
{
    struct run *again = calloc(1, sizeof *again);
    struct buf out2 = BUF_INIT, want = BUF_INIT;
    char err[256];
    unsigned n;
    if (!again) __builtin_trap();
    again->mode = RECORD;
    again->html = html;
    if (rewrite(fn, buf_str(out), out->len, again, &out2, &n, err, sizeof err) != 0 ||
        again->n != first->n)
        __builtin_trap();
    for (unsigned k = 0; k < first->n && k < MAX_KEPT; k++) {
        buf_reset(&want);
        if (first->replaced[k])
            marker(&want, html, k);
        else if (!buf_puts(&want, url_of(first, k)))
            __builtin_trap();
        if (strcmp(url_of(again, k), buf_str(&want)) != 0) __builtin_trap();
    }
    buf_free(&out2);
    buf_free(&want);
    buf_free(&again->urls);
    free(again);
}

static void
exercise(rewrite_fn fn, const char *in, size_t len, bool html, unsigned abort_at)
{
    struct run *r = calloc(1, sizeof *r);
    struct buf out = BUF_INIT;
    char err[256];
    unsigned n;
    if (!r) __builtin_trap();
    r->html = html;

    r->mode = KEEP_ALL; /* promise 1 */
    if (rewrite(fn, in, len, r, &out, &n, err, sizeof err) != 0 || n != 0 || out.len != len ||
        (len && memcmp(out.data, in, len) != 0))
        __builtin_trap();
    unsigned offered = r->n;

    buf_reset(&out);
    r->mode = REPLACE_SOME; /* promise 2 */
    if (rewrite(fn, in, len, r, &out, &n, err, sizeof err) != 0 || r->n != offered ||
        n != offered - offered / 3)
        __builtin_trap();
    same_links_again(fn, r, &out, html);

    buf_reset(&out);
    r->mode = ABORT_AT; /* promise 4 */
    r->abort_at = abort_at;
    err[0] = '\0';
    int rc = rewrite(fn, in, len, r, &out, &n, err, sizeof err);
    if ((rc != 0) != (offered > abort_at) || (rc != 0 && !err[0])) __builtin_trap();

    buf_free(&out);
    buf_free(&r->urls);
    free(r);
}

/* Promise 6. */
static void
marks_match(const char *in, size_t len)
{
    static const char before[] = "<body>"; /* already in the buffer: never a mark of the result */
    struct run *r = calloc(1, sizeof *r);
    struct buf out = BUF_INIT;
    struct links_html_marks got, want;
    char err[256];
    if (!r || !buf_puts(&out, before)) __builtin_trap();
    r->mode = REPLACE_SOME;
    r->html = true;
    if (links_rewrite_html_marked(in, len, NULL, on_link, r, &out, NULL, &got, err, sizeof err))
        __builtin_trap();
    size_t base = sizeof before - 1;
    links_html_marks(out.data + base, out.len - base, &want);
    if (got.body_start != want.body_start + base || got.body_end != want.body_end + base)
        __builtin_trap();
    buf_free(&out);
    buf_free(&r->urls);
    free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    unsigned abort_at = size ? data[0] % 8 : 0;
    exercise(links_rewrite_html, in, size, true, abort_at);
    exercise(links_rewrite_text, in, size, false, abort_at);
    if (links_html_body_end(in, size) > size) __builtin_trap(); /* promise 5 */
    marks_match(in, size);
    return 0;
}
