/*
 * mime_helpers.h - what the lib/mime tests, fuzz target and driver share
 *
 * Header-only, like tap.h: the pieces a test needs to turn a rewrite back
 * into a whole message (the caller's side of mime_edit) and the word
 * replacement the sample messages are written for.
 */
#ifndef TERN_TESTS_MIME_HELPERS_H
#define TERN_TESTS_MIME_HELPERS_H

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mime.h"

/* Is the `n`-byte line a `name:` header (space before the colon allowed)? */
static inline bool
mh_is_header(const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);
    if (n < k || strncasecmp(line, name, k) != 0) return false;
    while (k < n && (line[k] == ' ' || line[k] == '\t'))
        k++;
    return k < n && line[k] == ':';
}

/*
 * The header block `h` as the milter leaves it: the Content-Type and
 * Content-Transfer-Encoding lines the edit reports replaced (folded lines
 * included), the new values appended with LF line ends.
 */
static inline void
mh_new_headers(const char *h, size_t hlen, const struct mime_edit *e, struct buf *out)
{
    bool dropping = false;
    for (size_t at = 0; at < hlen;) {
        const char *nl = memchr(h + at, '\n', hlen - at);
        size_t n = nl ? (size_t)(nl - h - at) + 1 : hlen - at;
        if (h[at] != ' ' && h[at] != '\t')
            dropping =
                (e->content_type && mh_is_header(h + at, n, "Content-Type")) ||
                (e->transfer_encoding && mh_is_header(h + at, n, "Content-Transfer-Encoding"));
        if (!dropping) buf_append(out, h + at, n);
        at += n;
    }
    if (out->len && out->data[out->len - 1] != '\n') buf_putc(out, '\n');
    if (e->content_type) buf_printf(out, "Content-Type: %s\n", e->content_type);
    if (e->transfer_encoding)
        buf_printf(out, "Content-Transfer-Encoding: %s\n", e->transfer_encoding);
}

/* Append `text` with every `word` replaced by `to`; false when there was none. */
static inline bool
mh_replace(const char *text, size_t len, const char *word, const char *to, struct buf *out)
{
    const char *p = text, *end = text + len, *hit;
    size_t wl = strlen(word);
    bool any = false;
    while ((hit = memmem(p, (size_t)(end - p), word, wl))) {
        buf_append(out, p, (size_t)(hit - p));
        buf_puts(out, to);
        p = hit + wl;
        any = true;
    }
    buf_append(out, p, (size_t)(end - p));
    return any;
}

#endif
