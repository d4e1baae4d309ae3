/*
 * mime_qp.c - quoted-printable encoding (see mime_qp.h)
 *
 * One pass, written straight into the output buffer. Most bytes of a
 * text are plain (printable ASCII, blanks inside a line): a tight loop
 * copies them until the line is full or a byte needs thought; that byte
 * then takes the careful path (escape, trailing blank, line break, soft
 * break). The buffer is grown once per line at most, never per byte.
 */
#include "mime_qp.h"

#define LINE_ROOM (MIME_QP_LINE_MAX + 16) /* bytes one more line can take, line end included */

static const char hexdigits[] = "0123456789ABCDEF";

/* A byte that stands for itself wherever it is. */
static inline bool
printable(unsigned c)
{
    return c >= '!' && c <= '~' && c != '=';
}

static inline bool
blank(unsigned c)
{
    return c == ' ' || c == '\t';
}

/* Room for one more line at `*o` (out->len tracks nothing while we write). */
static bool
room(struct buf *out, char **o, size_t left)
{
    if ((size_t)(out->data + out->cap - *o) > LINE_ROOM) return true;
    out->len = (size_t)(*o - out->data);
    if (!buf_reserve(out, left / 4 + LINE_ROOM)) return false;
    *o = out->data + out->len;
    return true;
}

bool
mime_qp_encode(const char *s, size_t n, struct buf *out)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    if (!buf_reserve(out, n + n / 16 + LINE_ROOM)) return false; /* text: few escapes */
    char *o = out->data + out->len;
    size_t col = 0; /* characters on the current output line */
    bool good = true;
    while (p < end && (good = room(out, &o, (size_t)(end - p)))) {
        /* plain bytes that fit before a soft break would be due */
        size_t fit = col < MIME_QP_LINE_MAX - 1 ? MIME_QP_LINE_MAX - 1 - col : 0;
        const unsigned char *stop = p + (fit < (size_t)(end - p) ? fit : (size_t)(end - p));
        const unsigned char *q = p;
        while (q < stop && (printable(*q) || (blank(*q) && q + 1 < end && q[1] != '\n')))
            *o++ = (char)*q++;
        col += (size_t)(q - p);
        if ((p = q) == end) break;
        unsigned c = *p++;
        if (c == '\n') {
            *o++ = '\r', *o++ = '\n';
            col = 0;
            continue;
        }
        bool ends_line = p == end || *p == '\n'; /* may take the last column, no "=" after it */
        size_t w = printable(c) || (blank(c) && !ends_line) ? 1 : 3;
        if (col + w > (ends_line ? MIME_QP_LINE_MAX : MIME_QP_LINE_MAX - 1)) {
            *o++ = '=', *o++ = '\r', *o++ = '\n'; /* soft break */
            col = 0;
        }
        if (w == 1) {
            *o++ = (char)c;
        } else {
            *o++ = '=', *o++ = hexdigits[c >> 4], *o++ = hexdigits[c & 15];
        }
        col += w;
    }
    if (!good) return false;
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return true;
}
