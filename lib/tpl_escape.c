/*
 * tpl_escape.c - bounded output, HTML escaping and URL encoding for templates
 *
 * Escaping is table-driven: runs of bytes that need nothing are copied with
 * one append, so typical values (names, prices) cost a scan and a memcpy.
 * Every write goes through tpl_out_put(), which enforces the output cap.
 */
#include "tpl_int.h"

#include <string.h>

bool
tpl_out_put(struct tpl_out *o, const void *p, size_t n)
{
    if (n > o->limit - o->b->len) {
        o->fail = TPL_OUT_CAP;
        return false;
    }
    if (!buf_append(o->b, p, n)) {
        o->fail = TPL_OUT_NOMEM;
        return false;
    }
    return true;
}

/* Index into entities[]; 0 means the byte is copied as it is. */
static const unsigned char html_class[256] = {
    ['&'] = 1, ['<'] = 2, ['>'] = 3, ['"'] = 4, ['\''] = 5,
};
static const struct {
    const char *s;
    size_t n;
} entities[] = {{"", 0}, {"&amp;", 5}, {"&lt;", 4}, {"&gt;", 4}, {"&quot;", 6}, {"&#39;", 5}};

/* Piece by piece, for values whose worst case would not fit under the cap. */
static bool
escape_slow(struct tpl_out *o, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && !html_class[(unsigned char)s[run]])
            run++;
        if (run > i && !tpl_out_put(o, s + i, run - i)) return false;
        if (run == n) break;
        unsigned c = html_class[(unsigned char)s[run]];
        if (!tpl_out_put(o, entities[c].s, entities[c].n)) return false;
        i = run + 1;
    }
    return true;
}

bool
tpl_escape_html(struct tpl_out *o, const char *s, size_t n)
{
    struct buf *b = o->b;
    if (n > (o->limit - b->len) / 6 || !buf_reserve(b, n * 6)) return escape_slow(o, s, n);
    char *w = b->data + b->len; /* room for the worst case: write in place */
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && !html_class[(unsigned char)s[run]])
            run++;
        memcpy(w, s + i, run - i);
        w += run - i;
        if (run == n) break;
        unsigned c = html_class[(unsigned char)s[run]];
        memcpy(w, entities[c].s, entities[c].n);
        w += entities[c].n;
        i = run + 1;
    }
    b->len = (size_t)(w - b->data);
    b->data[b->len] = '\0';
    return true;
}

/* RFC 3986 unreserved characters pass; every other byte becomes %XX. */
static bool
unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

bool
tpl_url_encode(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!buf_reserve(b, n)) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
        if (unreserved(c) ? !buf_putc(b, (char)c) : !buf_append(b, esc, 3)) return false;
    }
    return true;
}
