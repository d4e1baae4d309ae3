/*
 * mime_qp.c - quoted-printable encoding (see mime_qp.h)
 *
 * One pass, written straight into the output buffer. Most bytes of a
 * text are plain (printable ASCII, blanks inside a line): they are copied
 * sixteen, then eight at a time while the words hold nothing else (tested
 * with word-wide arithmetic, below), then one at a time, until the line is
 * full or a byte needs thought; that byte then takes the careful path
 * (escape, trailing blank, line break, soft break). The buffer is grown
 * once per line at most, never per byte.
 */
#include "mime_qp.h"

#include <stdint.h>
#include <string.h>

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

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/*
 * Whether all eight bytes of `w` are ' ' to '~' and none is '=': no byte
 * below 0x20, none above 0x7e, none equal to '='. Each test is exact for
 * "some byte is" (the classic has-less/has-more word tricks), so a word
 * that passes needs no byte looked at.
 */
static inline uint64_t
not_plain(uint64_t w)
{
    uint64_t below = (w - ONES * 0x20) & ~w;
    uint64_t above = (w + ONES * (127 - 0x7e)) | w;
    uint64_t eq = w ^ (ONES * '=');
    uint64_t is_eq = (eq - ONES) & ~eq;
    return (below | above | is_eq) & HIGHS;
}

static inline bool
plain_word(uint64_t w)
{
    return not_plain(w) == 0;
}

/* Two words at `p` with no byte that needs thought (one test and branch for both). */
static inline bool
plain_pair(const unsigned char *p)
{
    uint64_t w[2];
    memcpy(w, p, 16);
    return (not_plain(w[0]) | not_plain(w[1])) == 0;
}

/* Copy plain bytes from `p` towards `stop` to `*o`; where it stopped. */
static const unsigned char *
copy_plain(const unsigned char *p, const unsigned char *stop, const unsigned char *end, char **o)
{
    uint64_t w;
    /* a blank ending the pair is checked with what follows, as for one word below */
    while (stop - p >= 16 && plain_pair(p) && (p[15] != ' ' || p + 16 < end)) {
        memcpy(*o, p, 16);
        *o += 16, p += 16;
        if (p[-1] == ' ' && *p == '\n') { /* the blank ends a line: it was not plain after all */
            --*o, --p;
            return p;
        }
    }
    while (stop - p >= 8 && (memcpy(&w, p, 8), plain_word(w)) && (p[7] != ' ' || p + 8 < end)) {
        memcpy(*o, p, 8); /* a blank at its end is checked byte-wise below, with what follows */
        *o += 8, p += 8;
        if (p[-1] == ' ' && *p == '\n') { /* the blank ends a line: it was not plain after all */
            --*o, --p;
            return p;
        }
    }
    while (p < stop && (printable(*p) || (blank(*p) && p + 1 < end && p[1] != '\n')))
        *(*o)++ = (char)*p++;
    return p;
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

/* Does the output line starting at offset `line` (ending at `o`) begin with "--"? */
static inline bool
dashes(const struct buf *out, size_t line, const char *o)
{
    const char *l = out->data + line;
    return o - l >= 2 && l[0] == '-' && l[1] == '-';
}

bool
mime_qp_encode(const char *s, size_t n, struct buf *out, bool *dash_line)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    if (!buf_reserve(out, n + n / 16 + LINE_ROOM)) return false; /* text: few escapes */
    char *o = out->data + out->len;
    size_t col = 0;         /* characters on the current output line */
    size_t line = out->len; /* where it starts (an offset: the buffer may move) */
    bool good = true, dash = false;
    while (p < end && (good = room(out, &o, (size_t)(end - p)))) {
        /* plain bytes that fit before a soft break would be due */
        size_t fit = col < MIME_QP_LINE_MAX - 1 ? MIME_QP_LINE_MAX - 1 - col : 0;
        const unsigned char *stop = p + (fit < (size_t)(end - p) ? fit : (size_t)(end - p));
        const unsigned char *q = copy_plain(p, stop, end, &o);
        col += (size_t)(q - p);
        if ((p = q) == end) break;
        unsigned c = *p++;
        if (c == '\n') {
            dash = dash || dashes(out, line, o);
            *o++ = '\r', *o++ = '\n';
            line = (size_t)(o - out->data);
            col = 0;
            continue;
        }
        bool ends_line = p == end || *p == '\n'; /* may take the last column, no "=" after it */
        size_t w = printable(c) || (blank(c) && !ends_line) ? 1 : 3;
        if (col + w > (ends_line ? MIME_QP_LINE_MAX : MIME_QP_LINE_MAX - 1)) {
            dash = dash || dashes(out, line, o);
            *o++ = '=', *o++ = '\r', *o++ = '\n'; /* soft break */
            line = (size_t)(o - out->data);
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
    if (dash_line) *dash_line = dash || dashes(out, line, o);
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return true;
}
