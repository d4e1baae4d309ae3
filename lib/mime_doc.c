/*
 * mime_doc.c - parse a message and locate its rewritable leaves by offset
 *
 * The milter's header block and body are copied once into one document
 * with LF line ends (GMime and our offsets then agree on every line), and
 * GMime parses it with a persistent stream: a part's content is then a
 * window [bound_start, bound_end) onto our bytes and every header knows
 * its offset, so nothing is ever re-serialized.
 *
 * A leaf is offered only when its position is beyond doubt: its body and
 * header lines lie where the milter's body is, every line of its header
 * block is a header field, an empty line separates its headers from its
 * body, it has at most one Content-Type and one
 * Content-Transfer-Encoding header, and each header offset GMime reports
 * really starts with that header's name. Anything else stays untouched.
 * This file only reads; what changes is decided in mime.c.
 */
#include "mime_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HEADER_LINES_MAX 100 /* a longer part header block is not looked for */

struct walk {
    const struct mime_doc *doc;
    mime_loc_fn fn;
    void *ctx;
    const char *bounds[MIME_DEPTH_MAX];
    size_t nbounds;
    bool alternative;
};

/* Copy `n` bytes at `s` to `to`, dropping each CR that precedes an LF. */
static size_t
copy_lf(char *to, const char *s, size_t n)
{
    size_t k = 0;
    const char *end = s + n, *cr;
    while ((cr = memchr(s, '\r', (size_t)(end - s)))) { /* whole runs between CRs */
        memcpy(to + k, s, (size_t)(cr - s));
        k += (size_t)(cr - s);
        if (cr + 1 == end || cr[1] != '\n') to[k++] = '\r';
        s = cr + 1;
    }
    memcpy(to + k, s, (size_t)(end - s));
    return k + (size_t)(end - s);
}

/* Headers, exactly one empty line, body: the document GMime will read. */
static char *
normalize(const char *headers, size_t hlen, const char *body, size_t blen, size_t *len,
          size_t *body_base)
{
    char *d = g_try_malloc(hlen + blen + 3);
    if (!d) return NULL;
    size_t k = copy_lf(d, headers, hlen);
    if (k > 0 && d[k - 1] != '\n') d[k++] = '\n';
    if (k == 0 || (k >= 2 && d[k - 2] != '\n')) d[k++] = '\n'; /* the empty line, once */
    *body_base = k;
    *len = k + copy_lf(d + k, body, blen);
    return d;
}

/* The line after the one `p` is in, or NULL when it is the last of [p, end). */
static const char *
next_line(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl + 1 : NULL;
}

/* Whether the header block `h` (LF line ends) declares a multipart or message body: only
 * then does GMime build parts, and only then are lines beginning with "--" boundaries. */
static bool
declares_parts(const char *h, size_t len)
{
    static const char name[] = "content-type:";
    const char *end = h + len;
    for (const char *p = h; p && p < end; p = next_line(p, end)) {
        if ((size_t)(end - p) > sizeof name && strncasecmp(p, name, sizeof name - 1) == 0) {
            const char *v = p + sizeof name - 1;
            while (v < end && (*v == ' ' || *v == '\t' || *v == '\n'))
                v++;
            return (end - v >= 10 && strncasecmp(v, "multipart/", 10) == 0) ||
                   (end - v >= 8 && strncasecmp(v, "message/", 8) == 0);
        }
    }
    return false;
}

/* Whether more than `max` lines of the LF-normalized `d` begin with "--". */
static bool
too_many_dash_lines(const char *d, size_t len, unsigned max)
{
    unsigned n = 0;
    const char *end = d + len;
    for (const char *p = d; p && p < end; p = next_line(p, end))
        if (end - p >= 2 && p[0] == '-' && p[1] == '-' && ++n > max) return true;
    return false;
}

int
mime_doc_open(struct mime_doc *d, const char *headers, size_t hlen, const char *body, size_t blen,
              char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (hlen > UINT32_MAX / 2 || blen > UINT32_MAX / 2) { /* GByteArray counts in guint */
        snprintf(err, errlen, "message too large to parse (%zu bytes)", hlen + blen);
        return -1;
    }
    size_t len, base;
    char *data = normalize(headers, hlen, body, blen, &len, &base);
    if (!data) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (declares_parts(data, base) &&
        too_many_dash_lines(data + base, len - base, MIME_BOUNDARY_LINES_MAX)) {
        snprintf(err, errlen,
                 "more than %d lines beginning with \"--\": a message of this many parts is"
                 " not parsed",
                 MIME_BOUNDARY_LINES_MAX);
        g_free(data);
        return -1;
    }
    GByteArray *ga = g_byte_array_new_take((guint8 *)data, len);
    d->stream = g_mime_stream_mem_new_with_byte_array(ga); /* owns ga and data */
    d->data = data;
    d->len = len;
    d->body_base = base;
    GMimeParser *p = g_mime_parser_new_with_stream(d->stream);
    g_mime_parser_set_persist_stream(p, TRUE);
    d->root = g_mime_parser_construct_part(p, NULL);
    g_object_unref(p);
    if (!d->root) {
        snprintf(err, errlen, "cannot parse the message structure");
        mime_doc_close(d);
        return -1;
    }
    return 0;
}

void
mime_doc_close(struct mime_doc *d)
{
    if (d->root) g_object_unref(d->root);
    if (d->stream) g_object_unref(d->stream);
    memset(d, 0, sizeof *d);
}

/* ---- deciding whether a part is offered ---- */

static bool
never_touched(GMimeObject *o)
{
    GMimeContentType *ct = g_mime_object_get_content_type(o);
    return GMIME_IS_MULTIPART_SIGNED(o) || GMIME_IS_MULTIPART_ENCRYPTED(o) ||
           GMIME_IS_APPLICATION_PKCS7_MIME(o) || GMIME_IS_MESSAGE_PART(o) ||
           g_mime_content_type_is_type(ct, "multipart", "signed") ||
           g_mime_content_type_is_type(ct, "multipart", "encrypted") ||
           g_mime_content_type_is_type(ct, "application", "pkcs7-mime") ||
           g_mime_content_type_is_type(ct, "application", "x-pkcs7-mime");
}

/* RFC 2183: a disposition other than inline is treated as attachment. */
static bool
is_attachment(GMimeObject *o)
{
    GMimeContentDisposition *cd = g_mime_object_get_content_disposition(o);
    const char *disp = cd ? g_mime_content_disposition_get_disposition(cd) : NULL;
    if (disp && *disp && g_ascii_strcasecmp(disp, "inline") != 0) return true;
    return g_mime_part_get_filename(GMIME_PART(o)) != NULL;
}

static bool
text_kind(GMimeObject *o, enum mime_text *kind)
{
    GMimeContentType *ct = g_mime_object_get_content_type(o);
    if (g_mime_content_type_is_type(ct, "text", "plain"))
        *kind = MIME_PLAIN;
    else if (g_mime_content_type_is_type(ct, "text", "html"))
        *kind = MIME_HTML;
    else
        return false;
    return true;
}

/* ---- locating a leaf's bytes ---- */

/* End of the (possibly folded) header line starting at `at`, not past `limit`. */
static size_t
line_end(const char *s, size_t at, size_t limit)
{
    while (at < limit) {
        const char *nl = memchr(s + at, '\n', limit - at);
        if (!nl) return limit;
        at = (size_t)(nl - s) + 1;
        if (at >= limit || (s[at] != ' ' && s[at] != '\t')) return at;
    }
    return limit;
}

/* Record header `h` in `span` unless already seen; false when it cannot be trusted. */
static bool
header_span(const struct mime_doc *d, GMimeHeader *h, size_t lo, size_t hi, struct mime_span *span)
{
    gint64 off = g_mime_header_get_offset(h);
    const char *name = g_mime_header_get_raw_name(h);
    size_t nlen = strlen(name);
    if (span->end > span->start) return false; /* a second one: ambiguous */
    if (off < (gint64)lo || off >= (gint64)hi || (size_t)off + nlen > hi) return false;
    if (g_ascii_strncasecmp(d->data + off, name, nlen) != 0) return false;
    span->start = (size_t)off;
    span->end = line_end(d->data, span->start, hi);
    return true;
}

static bool
find_headers(const struct mime_doc *d, GMimeObject *o, size_t lo, struct mime_loc *loc)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(o);
    int n = g_mime_header_list_get_count(hl);
    for (int i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *name = g_mime_header_get_name(h);
        struct mime_span *span = g_ascii_strcasecmp(name, "Content-Type") == 0 ? &loc->ct
                                 : g_ascii_strcasecmp(name, "Content-Transfer-Encoding") == 0
                                     ? &loc->cte
                                     : NULL;
        if (span && !header_span(d, h, lo, loc->insert_at, span)) return false;
    }
    return true;
}

/* Is the line [at, end) a header field ("Name:" or "Name :"), or folded onto one, without NUL? */
static bool
header_line(const char *s, size_t at, size_t end, bool first)
{
    if (memchr(s + at, '\0', end - at)) return false; /* GMime's header parser stops at NUL */
    if (s[at] == ' ' || s[at] == '\t') return !first; /* continuation */
    size_t i = at;
    while (i < end && s[i] > ' ' && s[i] < 127 && s[i] != ':')
        i++;
    if (i == at) return false;
    while (i < end && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i < end && s[i] == ':';
}

/*
 * Is the line [ls, le) exactly a delimiter of `boundary`: "--boundary" or
 * "--boundary--", then only blanks (and CRs when `cr`, as GMime reads
 * them)? Exact, not a prefix: when unsure, the header block found is
 * longer and fails the header-field test, so the leaf is left alone.
 */
static bool
delimiter_line(const char *s, size_t ls, size_t le, const char *boundary, size_t blen, bool cr)
{
    if (le - ls < blen + 2 || s[ls] != '-' || s[ls + 1] != '-' ||
        memcmp(s + ls + 2, boundary, blen) != 0)
        return false;
    size_t i = ls + 2 + blen;
    if (le - i >= 2 && s[i] == '-' && s[i + 1] == '-') i += 2;
    while (i < le && (s[i] == ' ' || s[i] == '\t' || (cr && s[i] == '\r')))
        i++;
    return i == le;
}

/* Where the delimiter line before `end` ends: a nested part's header block starts there. */
static bool
after_boundary_line(const struct mime_doc *d, size_t end, const char *boundary, size_t *from)
{
    if (!boundary) return false;
    size_t blen = strlen(boundary), pos = end;
    for (int lines = 0; pos > d->body_base && lines <= HEADER_LINES_MAX; lines++) {
        const char *nl = pos >= 2 ? memrchr(d->data, '\n', pos - 1) : NULL;
        size_t ls = nl ? (size_t)(nl - d->data) + 1 : 0;
        if (delimiter_line(d->data, ls, pos - 1, boundary, blen, true)) {
            *from = pos;
            return true;
        }
        pos = ls;
    }
    return false;
}

/*
 * Splicing is only safe when every line of a header block is a header
 * field: a stray line means GMime had to guess where the body begins, and
 * another parser (or GMime itself, once a line is added) may guess
 * differently.
 */
static bool
all_header_lines(const struct mime_doc *d, size_t pos, size_t end)
{
    for (bool first = true; pos < end; first = false) {
        const char *nl = memchr(d->data + pos, '\n', end - pos);
        size_t le = nl ? (size_t)(nl - d->data) + 1 : end;
        if (!header_line(d->data, pos, le, first)) return false;
        pos = le;
    }
    return true;
}

/* Is the line starting at `ls` a delimiter of one of the enclosing multiparts? */
static bool
delimiter_at(const struct mime_doc *d, size_t ls, const struct mime_loc *loc)
{
    const char *nl = memchr(d->data + ls, '\n', d->len - ls);
    size_t le = nl ? (size_t)(nl - d->data) : d->len;
    for (size_t i = 0; i < loc->nboundaries; i++)
        if (delimiter_line(d->data, ls, le, loc->boundaries[i], strlen(loc->boundaries[i]), false))
            return true;
    return false;
}

/*
 * Does the body end where a splice can end: at the end of the message, or
 * right before the LF of a delimiter line (that LF is the delimiter's)?
 * GMime also ends parts at lines like "--b\r" and then trims a byte too
 * many, so such a line does not count here: that body is not spliced.
 */
static bool
ends_cleanly(const struct mime_doc *d, const struct mime_loc *loc)
{
    size_t end = loc->body.end;
    if (end == d->len) return true;
    if (loc->top) return false;
    if (d->data[end] == '\n') return delimiter_at(d, end + 1, loc);
    return end == loc->body.start && delimiter_at(d, end, loc); /* LF shared with the empty line */
}

/* Fill the offsets of leaf `o`; false when they are not where a body can be spliced. */
static bool
locate(const struct mime_doc *d, GMimeObject *o, struct mime_loc *loc)
{
    GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(o));
    GMimeStream *s = w ? g_mime_data_wrapper_get_stream(w) : NULL;
    if (!s || s->bound_start < 0) return false;
    size_t start = (size_t)s->bound_start;
    size_t end = s->bound_end < 0 ? d->len : (size_t)s->bound_end;
    if (start > end || end > d->len) return false;
    loc->top = o == d->root;
    if (loc->top ? start != d->body_base : start <= d->body_base) return false;
    if (start < 1 || d->data[start - 1] != '\n' || (start > 1 && d->data[start - 2] != '\n'))
        return false; /* no empty line before the body: the header end is unclear */
    loc->body = (struct mime_span){start, end};
    if (!ends_cleanly(d, loc)) return false;
    loc->insert_at = start - 1; /* the empty line ending the part's headers */
    size_t from = 0;            /* the message's own header block starts the document */
    const char *parent = loc->nboundaries ? loc->boundaries[loc->nboundaries - 1] : NULL;
    if (!loc->top && !after_boundary_line(d, loc->insert_at, parent, &from)) return false;
    if (!all_header_lines(d, from, loc->insert_at)) return false;
    return find_headers(d, o, loc->top ? 0 : d->body_base, loc);
}

/* ---- the walk ---- */

static int visit(struct walk *w, GMimeObject *o, size_t depth);

static int
visit_leaf(struct walk *w, GMimeObject *o)
{
    struct mime_loc loc;
    memset(&loc, 0, sizeof loc);
    if (!GMIME_IS_PART(o) || !text_kind(o, &loc.kind) || is_attachment(o)) return 0;
    loc.part = GMIME_PART(o);
    loc.alternative = w->alternative;
    loc.boundaries = w->bounds;
    loc.nboundaries = w->nbounds;
    loc.unclear = !locate(w->doc, o, &loc);
    return w->fn(w->ctx, &loc);
}

static int
visit_multipart(struct walk *w, GMimeMultipart *mp, size_t depth)
{
    /* Not g_mime_multipart_get_boundary: without one it makes one up and encodes the header's
     * parameters again, and GMime's encoder never ends on some long ones. */
    const char *boundary = g_mime_object_get_content_type_parameter(GMIME_OBJECT(mp), "boundary");
    if (!boundary || depth >= MIME_DEPTH_MAX) return 0;
    bool was_alt = w->alternative;
    GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(mp));
    w->alternative = was_alt || g_mime_content_type_is_type(ct, "multipart", "alternative");
    w->bounds[w->nbounds++] = boundary;
    int rc = 0;
    int n = g_mime_multipart_get_count(mp);
    for (int i = 0; i < n && rc == 0; i++)
        rc = visit(w, g_mime_multipart_get_part(mp, i), depth + 1);
    w->nbounds--;
    w->alternative = was_alt;
    return rc;
}

static int
visit(struct walk *w, GMimeObject *o, size_t depth)
{
    if (!o || never_touched(o)) return 0;
    if (GMIME_IS_MULTIPART(o)) return visit_multipart(w, GMIME_MULTIPART(o), depth);
    return visit_leaf(w, o);
}

int
mime_doc_walk(const struct mime_doc *d, mime_loc_fn fn, void *ctx)
{
    struct walk w = {.doc = d, .fn = fn, .ctx = ctx};
    return visit(&w, d->root, 0);
}
