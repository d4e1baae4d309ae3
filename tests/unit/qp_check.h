/*
 * qp_check.h - what the quoted-printable test and fuzz target both check
 *
 * Header-only, like tap.h. qp_check() encodes the bytes with
 * mime_qp_encode() and checks the result two ways: its shape (RFC 2045:
 * only printable ASCII, lines of at most 76 characters ending CRLF, no
 * blank before a line end, every '=' an escape of two upper-case hex
 * digits or a soft break) and its meaning (GMime's decoder gives the input
 * back, each LF as CRLF). The encoder's report of a line beginning with
 * "--" must be right too.
 */
#ifndef TERN_TESTS_QP_CHECK_H
#define TERN_TESTS_QP_CHECK_H

#include <stdbool.h>
#include <string.h>

#include <gmime/gmime.h>

#include "buf.h"
#include "mime_qp.h"

static inline bool
qp_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* The shape of one line [s, s + n) without its CRLF; NULL or what is wrong. */
static inline const char *
qp_line_problem(const char *s, size_t n)
{
    if (n > MIME_QP_LINE_MAX) return "line longer than 76 characters";
    if (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) return "blank before a line end";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c != ' ' && c != '\t' && (c < '!' || c > '~')) return "byte outside printable ASCII";
        if (c != '=') continue;
        if (i + 1 == n) break; /* soft break */
        if (i + 2 >= n || !qp_hex(s[i + 1]) || !qp_hex(s[i + 2])) return "'=' not an escape";
        i += 2;
    }
    return NULL;
}

static inline const char *
qp_shape_problem(const struct buf *qp)
{
    const char *s = buf_str(qp), *end = s + qp->len;
    while (s < end) {
        const char *lf = memchr(s, '\n', (size_t)(end - s));
        size_t n = lf ? (size_t)(lf - s) : (size_t)(end - s);
        if (lf && (n == 0 || s[n - 1] != '\r')) return "LF without CR";
        const char *why = qp_line_problem(s, lf ? n - 1 : n);
        if (why) return why;
        s += n + (lf != NULL);
    }
    return NULL;
}

/* Does some line of `qp` begin with "--"? */
static inline bool
qp_has_dash_line(const struct buf *qp)
{
    const char *s = buf_str(qp), *end = s + qp->len;
    for (const char *l = s; l < end;) {
        if (end - l >= 2 && l[0] == '-' && l[1] == '-') return true;
        const char *lf = memchr(l, '\n', (size_t)(end - l));
        l = lf ? lf + 1 : end;
    }
    return false;
}

/* Encode, check; NULL when all is well, else what failed. */
static inline const char *
qp_check(const char *in, size_t n)
{
    struct buf qp = BUF_INIT, want = BUF_INIT;
    bool dash_line;
    if (!mime_qp_encode(in, n, &qp, &dash_line)) return "out of memory";
    const char *why = qp_shape_problem(&qp);
    if (!why && dash_line != qp_has_dash_line(&qp)) why = "wrong about a line beginning \"--\"";
    for (size_t i = 0; i < n; i++)
        in[i] == '\n' ? buf_append(&want, "\r\n", 2) : buf_putc(&want, in[i]);
    GMimeEncoding st;
    g_mime_encoding_init_decode(&st, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    char *dec = g_malloc(g_mime_encoding_outlen(&st, qp.len) + 1);
    size_t dn = g_mime_encoding_flush(&st, buf_str(&qp), qp.len, dec);
    if (!why && (dn != want.len || memcmp(dec, buf_str(&want), dn) != 0))
        why = "GMime decodes something else";
    g_free(dec);
    buf_free(&qp);
    buf_free(&want);
    return why;
}

#endif
