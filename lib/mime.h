/*
 * mime.h - rewrite the text parts of a message, everything else untouched
 *
 * Owns: deciding which parts of a message may change (text/html and
 * text/plain leaves that are not attachments and not inside
 * multipart/signed, multipart/encrypted or application/pkcs7-mime),
 * decoding them to UTF-8 for the caller, re-encoding what the caller
 * changed (quoted-printable, lines <= 76, in a charset that holds the new
 * text: the original if it can, else UTF-8), and producing the new body by
 * splicing the changed leaves into the original bytes, so every part that
 * was not changed stays byte-identical. A top-level single-part message
 * whose encoding or charset changes reports the new Content-Type and
 * Content-Transfer-Encoding values for the caller to send as header
 * changes. GMime parses; we never re-serialize parts we did not change.
 *
 * Input is what a milter sees: the header block and the body as received
 * (CRLF or LF line ends). Output bodies use CRLF.
 *
 * Never offered (left byte-identical): attachments (a Content-Disposition
 * other than inline, or a filename), parts inside multipart/signed,
 * multipart/encrypted, application/pkcs7-mime and message/rfc822, leaves
 * with an unknown charset or transfer encoding, leaves with two
 * Content-Type or Content-Transfer-Encoding lines or a header block line
 * that is not a header field, multiparts without a boundary or nested
 * deeper than 32. The format rules are in doc/mime.md.
 *
 * Thread-safe after mime_init(): nothing is shared between calls.
 * GLib aborts the process when GMime cannot allocate; every allocation of
 * our own is checked.
 *
 * Depends on: lib/buf, lib/utf8, GMime 3.
 */
#ifndef TERN_MIME_H
#define TERN_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum mime_text { MIME_PLAIN, MIME_HTML };

/* One rewritable leaf, decoded. */
struct mime_leaf {
    enum mime_text kind;
    const char *text; /* UTF-8 (invalid input bytes U+FFFD), LF line ends, NUL-terminated */
    size_t len;
    unsigned index;      /* 0, 1, ... over rewritable leaves in document order */
    unsigned html_index; /* among text/html leaves only (the first gets the pixel);
                            for text/plain: how many text/html leaves came before */
    bool alternative;    /* inside multipart/alternative (at any depth) */
};

/*
 * Return 1 with the new text (UTF-8, LF or CRLF line ends) in `out` to
 * replace the leaf, 0 to keep it, -1 to abort (with a reason in `err`).
 * New text identical to the old counts as 0. Invalid UTF-8 in `out`
 * becomes U+FFFD.
 */
typedef int (*mime_leaf_fn)(void *ctx, const struct mime_leaf *leaf, struct buf *out, char *err,
                            size_t errlen);

struct mime_edit {
    bool body_changed;       /* false: send no body replacement at all */
    struct buf body;         /* the whole new body (CRLF) when body_changed */
    char *content_type;      /* new top-level Content-Type value, or NULL */
    char *transfer_encoding; /* new top-level Content-Transfer-Encoding value, or NULL */
    unsigned leaves;         /* rewritable leaves seen */
    unsigned changed;        /* leaves replaced */
    unsigned skipped;        /* text leaves (not attachments) it could not rewrite */
    char skip_why[160];      /* why the first of them was skipped */
};

/* A message with more text leaves than this is refused whole: a bound on the work of one. */
#define MIME_LEAVES_MAX 1000

/*
 * A multipart (or message/) message with more lines beginning with "--" (each a possible
 * boundary) is refused before GMime parses it: GMime's objects cost about 2 KB a part, so 10 MB of tiny parts would take
 * over 400 MB and seconds to build, whatever kind the parts are.
 */
#define MIME_BOUNDARY_LINES_MAX (4 * MIME_LEAVES_MAX)

/* Initialize GMime once per process; mime_rewrite and mime_header_decode call it too. */
void mime_init(void);

/*
 * Parse `headers` + `body`, call `fn` for each rewritable leaf, and fill
 * `edit`. 0, or -1 with a reason (malformed beyond repair, callback abort,
 * out of memory); on -1 nothing of `edit` may be used and the caller
 * delivers the original.
 */
int mime_rewrite(const char *headers, size_t hlen, const char *body, size_t blen, mime_leaf_fn fn,
                 void *ctx, struct mime_edit *edit, char *err, size_t errlen);

void mime_edit_free(struct mime_edit *edit);

/*
 * Decode an RFC 2047 header value (Subject) to UTF-8 into `out`, unfolded:
 * "=?ISO-8859-1?Q?Caf=E9?=" gives "Café". Bytes that are not UTF-8 become
 * U+FFFD. Appends; on out of memory `out` keeps what fit.
 */
void mime_header_decode(const char *value, struct buf *out);

#endif
