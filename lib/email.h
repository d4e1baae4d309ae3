/*
 * email.h - e-mail address normalization for contact keys
 *
 * Owns: turning an address as people type it into the one form Tern stores
 * and matches on, or saying why it is not an address Tern will mail. The
 * rules are a practical subset of RFC 5321 with RFC 6531 (internationalized)
 * addresses:
 *
 *     - surrounding whitespace is trimmed;
 *     - the whole address is lower-cased (ASCII letters only): Tern treats
 *       addresses case-insensitively, so one mailbox is one contact;
 *     - at most 254 bytes, valid UTF-8, exactly one '@';
 *     - local part: 1-64 bytes of atext (A-Z a-z 0-9 !#$%&'*+-/=?^_`{|}~ and
 *       any non-ASCII character) and dots, with no dot first, last or twice
 *       in a row; quoted local parts ("a b"@example.com) are refused;
 *     - domain: 1-253 bytes, at least one dot, labels of 1-63 bytes made of
 *       letters, digits, hyphens and non-ASCII characters, no hyphen first or
 *       last; address literals ([192.0.2.1]) are refused.
 *
 *     email_normalize("  Ann.Lee@Example.COM ", 22, &out, err, sizeof err)
 *         -> EMAIL_OK, out = "ann.lee@example.com"
 *
 * Non-ASCII domains are kept as UTF-8 (U-labels); no IDNA mapping is done.
 * Depends on: lib/buf, lib/utf8.
 */
#ifndef TERN_EMAIL_H
#define TERN_EMAIL_H

#include <stddef.h>

#include "buf.h"

#define EMAIL_MAX        254 /* whole address, bytes (RFC 5321 path limit less <>) */
#define EMAIL_MAX_LOCAL  64
#define EMAIL_MAX_DOMAIN 253
#define EMAIL_MAX_LABEL  63

enum email_status {
    EMAIL_OK,      /* `out` holds the normalized address */
    EMAIL_INVALID, /* `err` says why, e.g. "missing @", "domain \"x\" has no dot" */
    EMAIL_NOMEM,   /* `err` is "out of memory" */
};

/*
 * Normalize the `n` bytes at `in` into `out` (reset first). On EMAIL_INVALID
 * `out` is empty and `err` holds a one-line reason fit for an import report.
 */
enum email_status email_normalize(const char *in, size_t n, struct buf *out, char *err,
                                  size_t errlen);

#endif
