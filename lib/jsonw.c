/*
 * jsonw.c - JSON objects written into a buffer (see jsonw.h)
 */
#include "jsonw.h"

#include <string.h>

#include "utf8.h"

/* Escape `n` bytes known to be valid UTF-8. */
static bool
escaped(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0; /* bytes copied as they are */
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        ok = buf_append(b, s + run, i - run);
        if (ok && (c == '"' || c == '\\'))
            ok = buf_putc(b, '\\') && buf_putc(b, (char)c);
        else if (ok)
            ok = buf_puts(b, "\\u00") && buf_putc(b, hex[c >> 4]) && buf_putc(b, hex[c & 15]);
        run = i + 1;
    }
    return ok && buf_append(b, s + run, n - run);
}

/* A JSON string of `n` bytes; each byte that starts no valid UTF-8 sequence becomes U+FFFD. */
static bool
string(struct buf *b, const char *s, size_t n)
{
    bool ok = buf_putc(b, '"');
    while (ok && n) {
        size_t bad = n;
        utf8_valid(s, n, &bad);
        ok = escaped(b, s, bad);
        if (bad == n) break;
        ok = ok && buf_puts(b, "\\ufffd");
        s += bad + 1;
        n -= bad + 1;
    }
    return ok && buf_putc(b, '"');
}

static void
key(struct jw *w, const char *k)
{
    w->ok = w->ok && (w->first || buf_putc(w->out, ',')) && string(w->out, k, strlen(k)) &&
            buf_putc(w->out, ':');
    w->first = false;
}

void
jw_strn(struct jw *w, const char *k, const char *v, size_t n)
{
    key(w, k);
    w->ok = w->ok && string(w->out, v, n);
}

void
jw_str(struct jw *w, const char *k, const char *v)
{
    if (v) jw_strn(w, k, v, strlen(v));
}

/* Decimal digits without printf: a click's record has four numbers, and vsnprintf cost
 * more than the rest of its encoding. */
void
jw_int(struct jw *w, const char *k, long long v)
{
    char digits[24], *p = digits + sizeof digits;
    unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0) *--p = '-';
    key(w, k);
    w->ok = w->ok && buf_append(w->out, p, (size_t)(digits + sizeof digits - p));
}

void
jw_raw(struct jw *w, const char *k, const char *json)
{
    if (!json) return;
    key(w, k);
    w->ok = w->ok && buf_puts(w->out, json);
}

bool
jw_end(struct jw *w)
{
    return w->ok && buf_putc(w->out, '}');
}
