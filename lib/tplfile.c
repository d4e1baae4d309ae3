/*
 * tplfile.c - parse template files into compiled parts (see tplfile.h)
 *
 * Line by line: decide whether the file opens with a header block, read
 * it, then cut the rest at marker lines. Each piece is compiled with
 * tpl_compile(); its errors are moved to file coordinates.
 */
#include "tplfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const part_names[TPLFILE_NPARTS] = {
    [TPLFILE_SUBJECT] = "subject",     [TPLFILE_FROM] = "from", [TPLFILE_REPLY_TO] = "reply-to",
    [TPLFILE_PREHEADER] = "preheader", [TPLFILE_HTML] = "html", [TPLFILE_TEXT] = "text",
};

#define NHEADERS TPLFILE_HTML /* parts before html are header keys */

int
tplfile_part_parse(const char *name)
{
    for (int i = 0; i < TPLFILE_NPARTS; i++)
        if (strcasecmp(name, part_names[i]) == 0) return i;
    return -1;
}

const char *
tplfile_part_name(enum tplfile_part p)
{
    return (unsigned)p < TPLFILE_NPARTS ? part_names[p] : "?";
}

struct reader {
    const char *name, *src;
    size_t len, pos;
    unsigned line;
    char *err;
    size_t errlen;
};

/* One line: [start, end) without its line break; next is past the break. */
struct line {
    size_t start, end, next;
};

static bool
next_line(const struct reader *r, struct line *l)
{
    if (r->pos >= r->len) return false;
    const char *nl = memchr(r->src + r->pos, '\n', r->len - r->pos);
    l->start = r->pos;
    l->next = nl ? (size_t)(nl - r->src) + 1 : r->len;
    l->end = nl ? (size_t)(nl - r->src) : r->len;
    if (l->end > l->start && r->src[l->end - 1] == '\r') l->end--;
    return true;
}

static void
advance(struct reader *r, const struct line *l)
{
    r->pos = l->next;
    r->line++;
}

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static size_t
trim_end(const char *s, size_t start, size_t end)
{
    while (end > start && is_blank(s[end - 1]))
        end--;
    return end;
}

static bool
blank(const struct reader *r, const struct line *l)
{
    return trim_end(r->src, l->start, l->end) == l->start;
}

/* TPLFILE_HTML or TPLFILE_TEXT for a marker line, else -1. */
static int
marker(const struct reader *r, const struct line *l)
{
    size_t n = trim_end(r->src, l->start, l->end) - l->start;
    const char *s = r->src + l->start;
    if (n == 8 && memcmp(s, "--- html", 8) == 0) return TPLFILE_HTML;
    if (n == 8 && memcmp(s, "--- text", 8) == 0) return TPLFILE_TEXT;
    return -1;
}

/* The header key of a "key: value" line, or -1. *value is where the value starts. */
static int
header_key(const struct reader *r, const struct line *l, size_t *value)
{
    const char *s = r->src;
    size_t i = l->start;
    while (i < l->end && (s[i] == '-' || ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z')))
        i++;
    if (i == l->start || i == l->end || s[i] != ':' || i - l->start > 16) return -1;
    char key[17];
    memcpy(key, s + l->start, i - l->start);
    key[i - l->start] = '\0';
    int k = tplfile_part_parse(key);
    for (*value = i + 1; *value < l->end && is_blank(s[*value]);)
        ++*value;
    return k >= 0 && k < NHEADERS ? k : -1;
}

__attribute__((format(printf, 4, 5))) static void *
fail_col(struct reader *r, unsigned line, int col, const char *fmt, ...)
{
    int n = col > 0 ? snprintf(r->err, r->errlen, "%s:%u:%d: ", r->name, line, col)
                    : snprintf(r->err, r->errlen, "%s:%u: ", r->name, line);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < r->errlen) vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return NULL;
}

#define fail(r, line, ...) fail_col(r, line, 0, __VA_ARGS__)

/* Compile one piece that starts at file line `line`, after `col0` characters. */
static bool
compile(struct reader *r, struct tplfile *f, int part, const char *src, size_t len, unsigned line,
        int col0)
{
    struct tpl_error e;
    struct tpl_opts o = {.name = r->name};
    f->line[part] = line;
    if (!(f->source[part] = strndup(src, len)))
        return fail(r, line, "%s: out of memory", part_names[part]), false;
    f->source_len[part] = len;
    f->part[part] = tpl_compile(src, len, &o, &e);
    if (f->part[part]) return true;
    if (e.line <= 0) return fail(r, line, "%s: %s", part_names[part], e.msg), false;
    const char *msg = strstr(e.msg, ": "); /* drop the "line L, column C" prefix */
    fail_col(r, line + (unsigned)e.line - 1, e.column + (e.line == 1 ? col0 : 0), "%s",
             msg ? msg + 2 : e.msg);
    return false;
}

static bool
read_header(struct reader *r, struct tplfile *f)
{
    struct buf val[NHEADERS] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
    unsigned at[NHEADERS] = {0};
    int col[NHEADERS] = {0};
    int last = -1;
    bool ok = true;
    struct line l;
    while (ok && next_line(r, &l) && marker(r, &l) < 0) {
        size_t v;
        int k;
        if (blank(r, &l)) {
            advance(r, &l);
            break; /* the header ends at a blank line */
        }
        if (is_blank(r->src[l.start])) { /* continuation of the previous value */
            size_t s = l.start;
            while (is_blank(r->src[s]))
                s++;
            ok = last >= 0 && buf_putc(&val[last], ' ') &&
                 buf_append(&val[last], r->src + s, trim_end(r->src, s, l.end) - s);
            if (!ok && last < 0) fail(r, r->line, "continuation line before any header");
        } else if ((k = header_key(r, &l, &v)) < 0) {
            ok = false;
            fail(r, r->line, "expected \"subject:\", \"from:\", \"reply-to:\" or \"preheader:\"");
        } else if (at[k]) {
            ok = false;
            fail(r, r->line, "%s given twice (first on line %u)", part_names[k], at[k]);
        } else {
            at[k] = r->line;
            col[k] = (int)(v - l.start);
            last = k;
            ok = buf_append(&val[k], r->src + v, trim_end(r->src, v, l.end) - v);
        }
        if (!ok && !r->err[0]) fail(r, r->line, "out of memory");
        advance(r, &l);
    }
    for (int k = 0; ok && k < NHEADERS; k++)
        if (at[k]) ok = compile(r, f, k, buf_str(&val[k]), val[k].len, at[k], col[k]);
    for (int k = 0; k < NHEADERS; k++)
        buf_free(&val[k]);
    return ok;
}

static bool
read_parts(struct reader *r, struct tplfile *f)
{
    struct line l;
    while (next_line(r, &l) && blank(r, &l))
        advance(r, &l);
    int part = -1;
    size_t body = 0;
    unsigned body_line = 0, count = 0;
    for (;;) {
        bool more = next_line(r, &l);
        int m = more ? marker(r, &l) : -1;
        if (!more || m >= 0) {
            if (part >= 0 &&
                !compile(r, f, part, r->src + body, (more ? l.start : r->len) - body, body_line, 0))
                return false;
            if (!more) break;
            if (f->part[m]) return fail(r, r->line, "second \"--- %s\" part", part_names[m]), false;
            part = m;
            count++;
            advance(r, &l);
            body = r->pos;
            body_line = r->line;
            continue;
        }
        if (part < 0)
            return fail(r, r->line, "expected a \"--- html\" or \"--- text\" line"), false;
        advance(r, &l);
    }
    if (!count) return fail(r, r->line, "no parts: add a \"--- html\" or \"--- text\" line"), false;
    return true;
}

struct tplfile *
tplfile_parse(const char *name, const char *src, size_t len, char *err, size_t errlen)
{
    struct reader r = {name ? name : "template", src ? src : "", src ? len : 0, 0, 1, err, errlen};
    struct tplfile *f = calloc(1, sizeof *f);
    err[0] = '\0';
    if (!f) return fail(&r, 0, "out of memory");
    struct line l;
    size_t v;
    bool ok;
    if (next_line(&r, &l) && (header_key(&r, &l, &v) >= 0 || marker(&r, &l) >= 0)) {
        f->has_header = marker(&r, &l) < 0;
        ok = (!f->has_header || read_header(&r, f)) && read_parts(&r, f);
    } else {
        ok = compile(&r, f, TPLFILE_HTML, r.src, r.len, 1, 0); /* a bare body */
    }
    if (!ok) {
        tplfile_free(f);
        return NULL;
    }
    return f;
}

struct tplfile *
tplfile_load(const char *path, char *err, size_t errlen)
{
    struct buf src = BUF_INIT;
    if (buf_read_file(&src, path, TPL_DEFAULT_MAX_SOURCE) < 0) {
        if (errno == EFBIG)
            snprintf(err, errlen, "%s: larger than %u bytes", path, TPL_DEFAULT_MAX_SOURCE);
        else
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct tplfile *f = tplfile_parse(path, buf_str(&src), src.len, err, errlen);
    buf_free(&src);
    return f;
}

void
tplfile_free(struct tplfile *f)
{
    if (!f) return;
    for (int i = 0; i < TPLFILE_NPARTS; i++) {
        tpl_free(f->part[i]);
        free(f->source[i]);
    }
    free(f);
}

int
tplfile_render(const struct tplfile *f, enum tplfile_part p, json_t *view,
               const struct tpl_render_opts *opts, struct buf *out, struct tpl_error *err)
{
    struct tpl_render_opts o = {0};
    if (opts) o = *opts;
    o.context = p == TPLFILE_HTML ? TPL_HTML : TPL_TEXT;
    if ((unsigned)p >= TPLFILE_NPARTS || !f->part[p]) {
        if (err) {
            memset(err, 0, sizeof *err);
            snprintf(err->msg, sizeof err->msg, "the template has no %s part",
                     tplfile_part_name(p));
        }
        return -1;
    }
    return tpl_render(f->part[p], view, &o, out, err);
}
