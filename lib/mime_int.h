/*
 * mime_int.h - the parts of lib/mime that talk to each other, not to callers
 *
 * Owns the internal layers of mime_rewrite (mime.h):
 *
 *   mime_doc.c     normalize the input to LF, parse it with GMime keeping
 *                  the original stream, and locate every rewritable leaf
 *                  by byte offsets (its body, its Content-Type and
 *                  Content-Transfer-Encoding header lines);
 *   mime_text.c    decode a leaf to UTF-8 and encode new UTF-8 text back
 *                  into a charset and a 7-bit transfer encoding;
 *   mime_qp.c      quoted-printable, CRLF line ends (its own header,
 *                  lib/mime_qp.h: it needs no GMime);
 *   mime_ctype.c   the charset parameter of a Content-Type value, edited
 *                  as written;
 *   mime_splice.c  the list of byte-range replacements and the new body
 *                  built from the original bytes and those replacements.
 *
 * Offsets are into the normalized document: header block, one empty line,
 * body, every line ending a single LF.
 *
 * Depends on: lib/buf, lib/utf8, GMime 3.
 */
#ifndef TERN_MIME_INT_H
#define TERN_MIME_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <gmime/gmime.h>

#include "buf.h"
#include "mime.h"

#define MIME_DEPTH_MAX 32 /* multiparts nested deeper are left alone */

/* ---- mime_doc.c: the parsed message ---- */

struct mime_doc {
    const char *data; /* normalized headers, empty line, body; owned by `stream` */
    size_t len;
    size_t body_base; /* where the body starts in `data` */
    GMimeStream *stream;
    GMimeObject *root;
};

/* A header line [start, end), the LF included; start == end when absent. */
struct mime_span {
    size_t start, end;
};

/* Where one rewritable leaf sits, and what it says about itself. */
struct mime_loc {
    GMimePart *part;
    enum mime_text kind;
    bool top;         /* the message itself is the leaf (single part) */
    bool alternative; /* some enclosing multipart is multipart/alternative */
    struct mime_span body;
    struct mime_span ct;           /* its Content-Type line */
    struct mime_span cte;          /* its Content-Transfer-Encoding line */
    size_t insert_at;              /* end of its header block: where a missing line goes */
    const char *const *boundaries; /* of every enclosing multipart */
    size_t nboundaries;
    bool unclear; /* its place in the text could not be found for sure: not rewritable */
};

/* Return 0 to go on, anything else stops the walk and is returned. */
typedef int (*mime_loc_fn)(void *ctx, const struct mime_loc *loc);

int mime_doc_open(struct mime_doc *d, const char *headers, size_t hlen, const char *body,
                  size_t blen, char *err, size_t errlen);
void mime_doc_close(struct mime_doc *d);
/* Call `fn` for each text leaf that is not an attachment, in document order; one whose
 * place in the text is unclear comes with `unclear` set and must be left alone. */
int mime_doc_walk(const struct mime_doc *d, mime_loc_fn fn, void *ctx);

/* ---- mime_text.c: decoding and encoding leaf text ---- */

/* 1 with the leaf's text as UTF-8 (LF line ends) in `out`; 0 when its
 * transfer encoding or charset is unknown (leave it alone); -1 on ENOMEM. */
int mime_text_decode(const struct mime_doc *d, const struct mime_loc *loc, struct buf *out);

/* Append `n` bytes at `s` to `out` as valid UTF-8, each bad byte U+FFFD. */
bool mime_utf8_clean(const char *s, size_t n, struct buf *out);

/* A leaf re-encoded: the new body and what changes in its headers. */
struct mime_encoded {
    struct buf body;      /* 7-bit; CRLF line ends when `crlf`, else LF */
    bool crlf;            /* quoted-printable (lib/mime_qp.h) writes CRLF itself */
    bool to_utf8;         /* its charset becomes utf-8 */
    const char *encoding; /* new Content-Transfer-Encoding value or NULL */
};

/* Encode `text` (UTF-8) for `loc`: its charset if that holds the text, else
 * UTF-8; quoted-printable, or base64 when a QP line would look like an
 * enclosing boundary. False on ENOMEM. */
bool mime_text_encode(const struct mime_loc *loc, const char *text, size_t len,
                      struct mime_encoded *enc);
void mime_encoded_free(struct mime_encoded *enc);

/* ---- mime_ctype.c: the charset parameter ---- */

/*
 * The Content-Type value `v` (`n` bytes, as written after the colon) with
 * its charset parameter set to `charset`, every other byte kept, in `*out`:
 * " text/plain; format=flowed; charset=iso-8859-1" gives
 * " text/plain; format=flowed; charset=utf-8". 1; 0 when GMime would not
 * read the result as `was` with only the charset changed (hostile syntax:
 * leave the leaf alone); -1 on ENOMEM.
 */
int mime_ctype_with_charset(GMimeContentType *was, const char *v, size_t n, const char *charset,
                            char **out);

/* ---- mime_splice.c: replacing byte ranges ---- */

struct mime_splice {
    size_t start, end; /* replaced range of the document, end >= start */
    char *text;        /* owned; LF line ends, or CRLF when `crlf` */
    size_t len;
    bool crlf;    /* written as it is; else each LF becomes CRLF */
    unsigned seq; /* insertion order, to keep inserts at one offset in order */
};

struct mime_splices {
    struct mime_splice *v;
    size_t n, cap;
};

/* Replace [start, end) with `len` bytes at `text` (copied). False on ENOMEM. */
bool mime_splices_add(struct mime_splices *s, size_t start, size_t end, const char *text,
                      size_t len);
/* Take ownership of the text of `b` (reset afterwards), CRLF already when `crlf`. False on ENOMEM. */
bool mime_splices_take(struct mime_splices *s, size_t start, size_t end, struct buf *b, bool crlf);
/* Write d->data from `from` to its end with the splices applied, LF -> CRLF. */
bool mime_splices_apply(struct mime_splices *s, const struct mime_doc *d, size_t from,
                        struct buf *out);
void mime_splices_free(struct mime_splices *s);

/* Append `n` bytes at `s` with every LF turned into CRLF. False on ENOMEM. */
bool mime_put_crlf(struct buf *out, const char *s, size_t n);

#endif
