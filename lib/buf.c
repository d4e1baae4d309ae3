/*
 * buf.c - growable byte buffer (see buf.h)
 *
 * Capacity doubles so appends are amortised O(1); every failure is reported
 * to the caller, who decides what an out-of-memory means for its job.
 */
#include "buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
buf_reserve(struct buf *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->len) return false; /* would overflow */
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) return false;
    if (!b->data) p[0] = '\0'; /* a fresh buffer reads as "" at once */
    b->data = p;
    b->cap = cap;
    return true;
}

bool
buf_append(struct buf *b, const void *p, size_t n)
{
    if (!buf_reserve(b, n)) return false;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

bool
buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

bool
buf_putc(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

bool
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0 || !buf_reserve(b, (size_t)n)) return false;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return true;
}

bool
buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bool ok = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return ok;
}

void
buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

const char *
buf_str(const struct buf *b)
{
    return b->data ? b->data : "";
}

void
buf_truncate(struct buf *b, size_t len)
{
    if (len >= b->len) return;
    b->len = len;
    b->data[len] = '\0';
}

int
buf_read_file(struct buf *b, const char *path, size_t max)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    size_t start = b->len, n;
    char chunk[8192];
    int e = 0;
    while (!e && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (b->len - start + n > max)
            e = EFBIG;
        else if (!buf_append(b, chunk, n))
            e = ENOMEM;
    if (!e && ferror(fp)) e = errno ? errno : EIO;
    fclose(fp);
    if (!e) return 0;
    buf_truncate(b, start);
    errno = e;
    return -1;
}
