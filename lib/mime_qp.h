/*
 * mime_qp.h - quoted-printable encoding (RFC 2045 section 6.7)
 *
 * Owns: turning the bytes of a rewritten text leaf into its
 * quoted-printable body, written straight into the caller's buffer with
 * the CRLF line ends the body is sent with. The rules:
 *
 *   - an LF is a hard line break and becomes CRLF (the text has LF line
 *     ends; a CR that ends no line stays a byte and becomes =0D);
 *   - '!' to '~' except '=' stand for themselves, and so do space and tab
 *     unless a line break or the end of the text follows them; every
 *     other byte is =XX (upper-case hex);
 *   - no line is longer than 76 characters: a soft break "=" CRLF ends a
 *     line that would be longer, never inside an =XX escape.
 *
 * Decoding the result (any RFC 2045 decoder) gives the text back with
 * each LF as CRLF. The property and fuzz tests check exactly that against
 * GMime's decoder.
 *
 * Depends on: lib/buf.
 *
 * SYNOPSIS
 *     struct buf qp = BUF_INIT;
 *     if (!mime_qp_encode("caf\xc3\xa9 =\n", 8, &qp, NULL)) fail();
 *     (qp holds "caf=C3=A9 =3D\r\n")
 */
#ifndef TERN_MIME_QP_H
#define TERN_MIME_QP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define MIME_QP_LINE_MAX 76 /* characters per line, the CRLF not counted */

/*
 * Append `n` bytes at `s`, quoted-printable, to `out`. *dash_line (may be
 * NULL) tells whether some line of the result begins with "--", as a
 * MIME boundary delimiter does: only then need a caller look for one.
 * False on ENOMEM (`out` keeps what fit).
 */
bool mime_qp_encode(const char *s, size_t n, struct buf *out, bool *dash_line);

#endif
