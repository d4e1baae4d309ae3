/*
 * mime_splice.c - the new body: original bytes with ranges replaced
 *
 * Replacements are collected while the leaves are visited, sorted by
 * offset once, and the body is written in one pass: the untouched stretch
 * before each replacement, the replacement, and so on. Line ends become
 * CRLF on the way out, so a body that arrived CRLF comes back with its
 * untouched bytes identical. Ranges never overlap: each belongs to one
 * leaf's own header line or body.
 */
#include "mime_int.h"

#include <stdlib.h>
#include <string.h>

static bool
push(struct mime_splices *s, size_t start, size_t end, char *text, size_t len, bool crlf)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct mime_splice *v = realloc(s->v, cap * sizeof *v);
        if (!v) return false;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n] = (struct mime_splice){start, end, text, len, crlf, (unsigned)s->n};
    s->n++;
    return true;
}

bool
mime_splices_add(struct mime_splices *s, size_t start, size_t end, const char *text, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy) return false;
    memcpy(copy, text, len);
    copy[len] = '\0';
    if (push(s, start, end, copy, len, false)) return true;
    free(copy);
    return false;
}

bool
mime_splices_take(struct mime_splices *s, size_t start, size_t end, struct buf *b, bool crlf)
{
    if (!push(s, start, end, b->data, b->len, crlf)) return false;
    *b = (struct buf)BUF_INIT;
    return true;
}

static int
by_offset(const void *a, const void *b)
{
    const struct mime_splice *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

bool
mime_put_crlf(struct buf *out, const char *s, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(s, '\n', n);
        size_t k = nl ? (size_t)(nl - s) : n;
        if (!buf_append(out, s, k) || (nl && !buf_append(out, "\r\n", 2))) return false;
        k += nl != NULL;
        s += k;
        n -= k;
    }
    return true;
}

bool
mime_splices_apply(struct mime_splices *s, const struct mime_doc *d, size_t from, struct buf *out)
{
    size_t total = d->len - from;
    for (size_t i = 0; i < s->n; i++)
        total += s->v[i].len;
    if (!buf_reserve(out, total + total / 32 + 64)) return false; /* + room for the CRs */
    qsort(s->v, s->n, sizeof *s->v, by_offset);
    size_t at = from;
    for (size_t i = 0; i < s->n; i++) {
        const struct mime_splice *sp = &s->v[i];
        if (sp->start < at || sp->end < sp->start) return false; /* cannot happen */
        const char *text = sp->text ? sp->text : "";
        if (!mime_put_crlf(out, d->data + at, sp->start - at) ||
            !(sp->crlf ? buf_append(out, text, sp->len) : mime_put_crlf(out, text, sp->len)))
            return false;
        at = sp->end;
    }
    return mime_put_crlf(out, d->data + at, d->len - at);
}

void
mime_splices_free(struct mime_splices *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].text);
    free(s->v);
    memset(s, 0, sizeof *s);
}
