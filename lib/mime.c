/*
 * mime.c - rewrite the text leaves of a message (see mime.h, doc/mime.md)
 *
 * The driver: open the document (mime_doc.c), visit each rewritable leaf,
 * decode it and hand it to the caller (mime_text.c); a leaf the caller
 * changed is re-encoded and becomes up to three replacements: its body and,
 * when charset or transfer encoding change, its Content-Type and
 * Content-Transfer-Encoding lines (mime_splice.c). The message's own
 * header block belongs to the caller, so for a single-part message the new
 * header values are reported instead of spliced.
 */
#include "mime.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime_int.h"

struct rewrite {
    const struct mime_doc *doc;
    mime_leaf_fn fn;
    void *ctx;
    struct mime_edit *edit;
    struct mime_splices splices;
    unsigned html; /* text/html leaves seen */
    char *err;
    size_t errlen;
};

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void
gmime_start(void)
{
    g_mime_init();
}

void
mime_init(void)
{
    pthread_once(&gmime_once, gmime_start);
}

static int
oom(struct rewrite *r)
{
    snprintf(r->err, r->errlen, "out of memory");
    return -1;
}

/* A header value as one line: line ends of folding and white space at the edges removed. */
static char *
unfolded(const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    char *s = strdup(v), *k = s;
    if (!s) return NULL;
    for (const char *p = s; *p; p++)
        if (*p != '\r' && *p != '\n') *k++ = *p;
    *k = '\0';
    while (k > s && (k[-1] == ' ' || k[-1] == '\t'))
        *--k = '\0';
    return s;
}

/* Replace header line `span` of a nested leaf (or add it) with "name:value". */
static bool
set_header(struct rewrite *r, const struct mime_loc *loc, const struct mime_span *span,
           const char *name, const char *value)
{
    struct buf line = BUF_INIT;
    size_t vlen = strlen(value);
    bool good = buf_puts(&line, name) && buf_putc(&line, ':') &&
                (value[0] == ' ' || buf_putc(&line, ' ')) && buf_append(&line, value, vlen) &&
                (vlen > 0 && value[vlen - 1] == '\n' ? true : buf_putc(&line, '\n'));
    bool present = span->end > span->start;
    good = good && mime_splices_take(&r->splices, present ? span->start : loc->insert_at,
                                     present ? span->end : loc->insert_at, &line, false);
    buf_free(&line);
    return good;
}

/* The leaf's Content-Type value, as written after the colon, with charset=utf-8: 1, 0, -1. */
static int
utf8_content_type(const struct mime_doc *d, const struct mime_loc *loc, char **out)
{
    GMimeContentType *was = g_mime_object_get_content_type(GMIME_OBJECT(loc->part));
    const char *line = d->data + loc->ct.start, *end = d->data + loc->ct.end;
    const char *colon = memchr(line, ':', (size_t)(end - line));
    if (!colon) { /* no Content-Type line: text/plain by default */
        const char *dflt = loc->kind == MIME_HTML ? " text/html" : " text/plain";
        return mime_ctype_with_charset(was, dflt, strlen(dflt), "utf-8", out);
    }
    return mime_ctype_with_charset(was, colon + 1, (size_t)(end - colon - 1), "utf-8", out);
}

/* The message itself is the leaf: its header values go back to the caller. */
static bool
report_headers(struct rewrite *r, const char *content_type, const struct mime_encoded *enc)
{
    if (content_type && !(r->edit->content_type = unfolded(content_type))) return false;
    if (enc->encoding && !(r->edit->transfer_encoding = strdup(enc->encoding))) return false;
    return true;
}

/* A nested leaf: its own header lines are replaced, or added when missing. */
static bool
splice_headers(struct rewrite *r, const struct mime_loc *loc, const char *content_type,
               const struct mime_encoded *enc)
{
    return (!content_type || set_header(r, loc, &loc->ct, "Content-Type", content_type)) &&
           (!enc->encoding ||
            set_header(r, loc, &loc->cte, "Content-Transfer-Encoding", enc->encoding));
}

/*
 * An empty body followed at once by a boundary ("...\n\n--b") shares its
 * empty line's LF with the boundary, which owns the LF before it.
 */
static bool
shares_boundary_newline(const struct mime_doc *d, const struct mime_loc *loc)
{
    return !loc->top && loc->body.end < d->len && d->data[loc->body.end] != '\n';
}

static int
replace_leaf(struct rewrite *r, const struct mime_loc *loc, const struct buf *text)
{
    struct mime_encoded enc;
    if (!mime_text_encode(loc, buf_str(text), text->len, &enc)) return oom(r);
    char *ct = NULL;
    int rc = enc.to_utf8 ? utf8_content_type(r->doc, loc, &ct) : 1;
    if (rc == 0) { /* its Content-Type cannot say utf-8 safely: the leaf stays as it was */
        mime_encoded_free(&enc);
        return 0;
    }
    bool good =
        rc > 0 &&
        (!shares_boundary_newline(r->doc, loc) || enc.body.len == 0 ||
         buf_puts(&enc.body, enc.crlf ? "\r\n" : "\n")); /* the boundary needs its own line end */
    good = good && (loc->top ? report_headers(r, ct, &enc) : splice_headers(r, loc, ct, &enc));
    good =
        good && mime_splices_take(&r->splices, loc->body.start, loc->body.end, &enc.body, enc.crlf);
    mime_encoded_free(&enc);
    free(ct);
    if (!good) return oom(r);
    r->edit->changed++;
    return 0;
}

/* A text leaf left as it is: counted, and the first one's reason kept, for the caller. */
static int
skip(struct rewrite *r, const struct mime_loc *loc, const char *why)
{
    if (r->edit->skipped++ == 0) {
        GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(loc->part));
        const char *cs = g_mime_content_type_get_parameter(ct, "charset");
        snprintf(r->edit->skip_why, sizeof r->edit->skip_why, "a %s part %s%s%s%s",
                 loc->kind == MIME_HTML ? "text/html" : "text/plain", why, cs ? " (charset " : "",
                 cs ? cs : "", cs ? ")" : "");
    }
    return 0;
}

static int
offer(void *ctx, const struct mime_loc *loc)
{
    struct rewrite *r = ctx;
    struct buf text = BUF_INIT, out = BUF_INIT;
    if (r->edit->leaves >= MIME_LEAVES_MAX) { /* no newsletter has a thousand */
        snprintf(r->err, r->errlen,
                 "more than %d text parts: a message this complex is not rewritten",
                 MIME_LEAVES_MAX);
        return -1;
    }
    if (loc->unclear) return skip(r, loc, "whose headers or boundaries are unclear");
    int rc = mime_text_decode(r->doc, loc, &text);
    if (rc <= 0) {
        buf_free(&text);
        if (rc < 0) return oom(r);
        return skip(r, loc, "in an unknown transfer encoding or charset");
    }
    struct mime_leaf leaf = {loc->kind,         buf_str(&text), text.len,
                             r->edit->leaves++, r->html,        loc->alternative};
    if (loc->kind == MIME_HTML) r->html++;
    rc = r->fn(r->ctx, &leaf, &out, r->err, r->errlen);
    if (rc < 0 && r->errlen && !r->err[0])
        snprintf(r->err, r->errlen, "leaf %u: rewrite refused without a reason", leaf.index);
    bool same = out.len == text.len && memcmp(buf_str(&out), buf_str(&text), text.len) == 0;
    if (rc > 0 && !same) rc = replace_leaf(r, loc, &out);
    if (rc > 0) rc = 0;
    buf_free(&text);
    buf_free(&out);
    return rc;
}

int
mime_rewrite(const char *headers, size_t hlen, const char *body, size_t blen, mime_leaf_fn fn,
             void *ctx, struct mime_edit *edit, char *err, size_t errlen)
{
    struct mime_doc doc;
    mime_init(); /* idempotent and cheap: a forgotten call must not crash */
    memset(edit, 0, sizeof *edit);
    if (errlen) err[0] = '\0';
    if (mime_doc_open(&doc, headers ? headers : "", hlen, body ? body : "", blen, err, errlen))
        return -1;
    struct rewrite r = {
        .doc = &doc, .fn = fn, .ctx = ctx, .edit = edit, .err = err, .errlen = errlen};
    int rc = mime_doc_walk(&doc, offer, &r);
    if (rc == 0 && edit->changed > 0) {
        if (mime_splices_apply(&r.splices, &doc, doc.body_base, &edit->body))
            edit->body_changed = true;
        else
            rc = oom(&r);
    }
    mime_splices_free(&r.splices);
    mime_doc_close(&doc);
    if (rc < 0) mime_edit_free(edit);
    return rc < 0 ? -1 : 0;
}

void
mime_edit_free(struct mime_edit *edit)
{
    buf_free(&edit->body);
    free(edit->content_type);
    free(edit->transfer_encoding);
    memset(edit, 0, sizeof *edit);
}

void
mime_header_decode(const char *value, struct buf *out)
{
    mime_init();
    char *flat = unfolded(value ? value : "");
    char *dec = flat ? g_mime_utils_header_decode_text(NULL, flat) : NULL;
    if (dec) mime_utf8_clean(dec, strlen(dec), out); /* on ENOMEM `out` keeps what fit */
    g_free(dec);
    free(flat);
}
