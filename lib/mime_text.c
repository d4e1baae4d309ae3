/*
 * mime_text.c - a leaf's text to UTF-8 and back (see mime_int.h)
 *
 * Decoding undoes the transfer encoding with GMime's decoders and converts
 * the charset with iconv (through GMime's charset aliases); bytes that are
 * not valid in the declared charset become U+FFFD rather than failing the
 * message. A missing charset and us-ascii are read as UTF-8, the common
 * reality of 8-bit mail that never declared itself. Line ends become LF.
 *
 * Encoding first tries the leaf's own charset, strictly (no
 * transliteration): text it cannot hold switches the leaf to UTF-8. The
 * bytes are then quoted-printable (lib/mime_qp.c: lines <= 76, 7-bit, CRLF
 * written at once), or base64 (GMime's encoder) in the rare case a QP line
 * would begin with an enclosing boundary and so cut the multipart short.
 */
#include "mime_int.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "mime_qp.h"
#include "utf8.h"

#define REPLACEMENT    "\xEF\xBF\xBD" /* U+FFFD */
#define TRANSFER_CHUNK 16384

static bool
charset_is(const char *cs, const char *const *names)
{
    for (; *names; names++)
        if (g_ascii_strcasecmp(cs, *names) == 0) return true;
    return false;
}

/* Charsets whose bytes we read as UTF-8 directly. */
static bool
reads_as_utf8(const char *cs)
{
    static const char *const names[] = {"utf-8", "utf8",           "us-ascii",
                                        "ascii", "ansi_x3.4-1968", NULL};
    return !cs || charset_is(cs, names);
}

static bool
is_ascii_charset(const char *cs)
{
    static const char *const names[] = {"us-ascii", "ascii", "ansi_x3.4-1968", NULL};
    return !cs || charset_is(cs, names);
}

bool
mime_utf8_clean(const char *s, size_t n, struct buf *out)
{
    size_t bad;
    while (!utf8_valid(s, n, &bad)) {
        if (!buf_append(out, s, bad) || !buf_append(out, REPLACEMENT, 3)) return false;
        s += bad + 1; /* one replacement per bad byte */
        n -= bad + 1;
    }
    return buf_append(out, s, n);
}

/*
 * Make every line end a bare LF, in place: CRs right before an LF go, so
 * "\r\n" and "\r\r\n" both end a line and no text we offer or write holds
 * "\r\n" (which quoted-printable could not tell from a line break). A CR
 * elsewhere stays.
 */
static void
lf_line_ends(struct buf *b)
{
    char *p = b->data ? memchr(b->data, '\r', b->len) : NULL;
    if (!p) return;
    size_t k = (size_t)(p - b->data);
    for (size_t i = k; i < b->len;) {
        size_t j = i;
        while (j < b->len && b->data[j] == '\r')
            j++;
        if (j == i) {
            b->data[k++] = b->data[i++];
        } else if (j < b->len && b->data[j] == '\n') {
            i = j; /* a CR run ending a line: dropped */
        } else {
            memmove(b->data + k, b->data + i, j - i); /* CRs inside a line: kept */
            k += j - i;
            i = j;
        }
    }
    b->len = k;
    b->data[k] = '\0';
}

/*
 * Convert with `cd`, appending to `out`. Lenient: each unconvertible input
 * byte becomes U+FFFD (only sensible towards UTF-8). 1 done, 0 the text
 * does not fit the target charset (strict only), -1 ENOMEM.
 */
static int
convert(iconv_t cd, const char *in, size_t n, bool lenient, struct buf *out)
{
    char *ip = (char *)in;
    size_t il = n, room = n * 2 + 16;
    bool flushing = false; /* all input taken: emit the final shift sequence */
    for (;;) {
        if (!buf_reserve(out, room)) return -1;
        char *op = out->data + out->len;
        size_t ol = out->cap - out->len - 1;
        size_t r = flushing ? iconv(cd, NULL, NULL, &op, &ol) : iconv(cd, &ip, &il, &op, &ol);
        int e = errno;
        out->len = (size_t)(op - out->data);
        out->data[out->len] = '\0';
        if (r != (size_t)-1 && r > 0 && !lenient) return 0; /* converted, but not reversibly */
        if (r != (size_t)-1) {
            if (flushing) return 1;
            flushing = true;
            continue;
        }
        if (e == E2BIG) {
            room = (out->cap - out->len) * 2 + 16;
            continue;
        }
        if (flushing || !lenient) return 0;
        if (!buf_append(out, REPLACEMENT, 3)) return -1;
        ip++, il--; /* skip the bad byte (EILSEQ) or one of a truncated tail (EINVAL) */
    }
}

/* Convert from charset `from` to `to` (lenient or strict as above); 0 also for unknown charsets. */
static int
recode(const char *to, const char *from, const char *s, size_t n, bool lenient, struct buf *out)
{
    iconv_t cd = g_mime_iconv_open(to, from);
    if (cd == (iconv_t)-1) return 0;
    int rc = convert(cd, s, n, lenient, out);
    g_mime_iconv_close(cd);
    return rc;
}

/* Append `n` bytes in charset `cs` to `out` as UTF-8. 1, 0 unknown charset, -1 ENOMEM. */
static int
to_utf8(const char *s, size_t n, const char *cs, struct buf *out)
{
    if (reads_as_utf8(cs)) return mime_utf8_clean(s, n, out) ? 1 : -1;
    return recode("UTF-8", cs, s, n, true, out);
}

/*
 * Run GMime's encoder or decoder `st` over `n` bytes into `out` (reset
 * first), in chunks: the worst-case output size GMime asks room for is
 * about three times the input, which for a 1 MB body would be wasted.
 */
static bool
transfer(GMimeEncoding *st, const char *s, size_t n, struct buf *out)
{
    buf_reset(out);
    if (!buf_reserve(out, n + n / 8 + 64)) return false; /* usual size: no regrowth */
    for (size_t at = 0;; at += TRANSFER_CHUNK) {
        size_t k = n - at < TRANSFER_CHUNK ? n - at : TRANSFER_CHUNK;
        bool last = at + k == n;
        if (!buf_reserve(out, g_mime_encoding_outlen(st, k))) return false;
        char *to = out->data + out->len;
        out->len += last ? g_mime_encoding_flush(st, s + at, k, to)
                         : g_mime_encoding_step(st, s + at, k, to);
        if (last) break;
    }
    out->data[out->len] = '\0';
    return true;
}

/* Undo base64 or QP into `tmp`. */
static bool
transfer_decode(GMimeContentEncoding enc, const char *s, size_t n, struct buf *tmp)
{
    GMimeEncoding st;
    g_mime_encoding_init_decode(&st, enc);
    return transfer(&st, s, n, tmp);
}

int
mime_text_decode(const struct mime_doc *d, const struct mime_loc *loc, struct buf *out)
{
    GMimeContentEncoding enc = g_mime_part_get_content_encoding(loc->part);
    const char *raw = d->data + loc->body.start;
    size_t n = loc->body.end - loc->body.start;
    struct buf tmp = BUF_INIT;
    switch (enc) {
    case GMIME_CONTENT_ENCODING_DEFAULT:
        if (loc->cte.end > loc->cte.start) return 0; /* a value GMime does not know */
        break;
    case GMIME_CONTENT_ENCODING_7BIT:
    case GMIME_CONTENT_ENCODING_8BIT:
    case GMIME_CONTENT_ENCODING_BINARY: break;
    case GMIME_CONTENT_ENCODING_BASE64:
    case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
        if (!transfer_decode(enc, raw, n, &tmp)) return -1;
        raw = buf_str(&tmp);
        n = tmp.len;
        break;
    default: return 0; /* uuencode and friends: not ours to rewrite */
    }
    const char *cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(loc->part), "charset");
    int rc = to_utf8(raw, n, cs, out);
    buf_free(&tmp);
    if (rc == 1) lf_line_ends(out);
    return rc;
}

/* ---- encoding ---- */

static bool
ascii_only(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] > 0x7f) return false;
    return true;
}

/* Does some line of `s` begin with "--" and an enclosing boundary? */
static bool
hits_boundary(const struct mime_loc *loc, const char *s, size_t n)
{
    for (size_t at = 0; at < n;) {
        const char *nl = memchr(s + at, '\n', n - at);
        size_t end = nl ? (size_t)(nl - s) : n;
        if (end - at >= 2 && s[at] == '-' && s[at + 1] == '-')
            for (size_t i = 0; i < loc->nboundaries; i++) {
                size_t bl = strlen(loc->boundaries[i]);
                if (end - at - 2 >= bl && memcmp(s + at + 2, loc->boundaries[i], bl) == 0)
                    return true;
            }
        at = end + 1;
    }
    return false;
}

static bool
transfer_encode(GMimeContentEncoding enc, const char *s, size_t n, struct buf *out)
{
    GMimeEncoding st;
    g_mime_encoding_init_encode(&st, enc);
    return transfer(&st, s, n, out);
}

/* Single-byte charsets whose iconv tables map both ways: no need to read back. */
static bool
one_to_one(const char *cs)
{
    return g_ascii_strncasecmp(cs, "iso-8859-", 9) == 0 ||
           g_ascii_strncasecmp(cs, "windows-125", 11) == 0;
}

/*
 * `text` in charset `cs` into `bytes`: 1, 0 it does not fit, -1 ENOMEM.
 * Fitting means the bytes read back as the very same text: some
 * multi-byte charsets map a few characters one way only.
 */
static int
from_utf8(const char *text, size_t len, const char *cs, struct buf *bytes)
{
    struct buf back = BUF_INIT;
    int rc = recode(cs, "UTF-8", text, len, false, bytes);
    if (rc == 1 && one_to_one(cs)) return 1;
    if (rc == 1) rc = recode("UTF-8", cs, bytes->data, bytes->len, false, &back);
    if (rc == 1 && (back.len != len || memcmp(back.data, text, len) != 0)) rc = 0;
    buf_free(&back);
    return rc;
}

/*
 * Whether `cs` writes ASCII as ASCII (1, else 0; -1 ENOMEM). Quoted-printable
 * breaks lines at every 0x0A byte and escapes '=': in UTF-16 or UTF-32
 * those bytes are halves of characters, so such a part is written in UTF-8.
 */
static int
ascii_compatible(const char *cs)
{
    static const char probe[] = "A\n=";
    struct buf b = BUF_INIT;
    int rc = recode(cs, "UTF-8", probe, sizeof probe - 1, false, &b);
    bool same = rc == 1 && b.len == sizeof probe - 1 && memcmp(b.data, probe, b.len) == 0;
    buf_free(&b);
    return rc < 0 ? -1 : same;
}

/* Pick the charset for `text` and convert it into `conv` when that is not UTF-8. */
static int
choose_charset(GMimePart *part, const char **text, size_t *len, struct buf *conv)
{
    const char *cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
    if (is_ascii_charset(cs)) return !ascii_only(*text, *len);
    if (reads_as_utf8(cs)) return 0;
    int ac = one_to_one(cs) ? 1 : ascii_compatible(cs); /* iso-8859-*, windows-125x: ASCII */
    if (ac <= 0) return ac < 0 ? -1 : 1;                /* 1: switch to UTF-8 */
    int rc = from_utf8(*text, *len, cs, conv);
    if (rc == 1) *text = buf_str(conv), *len = conv->len;
    return rc < 0 ? -1 : rc == 0; /* 1: switch to UTF-8 */
}

/* QP, or base64 when a QP line could end the enclosing multipart early. */
static bool
encode_body(const struct mime_loc *loc, const char *text, size_t len, struct mime_encoded *enc)
{
    GMimeContentEncoding te = GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
    bool dash_line;
    if (!mime_qp_encode(text, len, &enc->body, &dash_line)) return false;
    enc->crlf = true;
    if (dash_line && hits_boundary(loc, enc->body.data, enc->body.len)) {
        te = GMIME_CONTENT_ENCODING_BASE64;
        enc->crlf = false;
        if (!transfer_encode(te, text, len, &enc->body)) return false;
    }
    if (loc->cte.end == loc->cte.start || g_mime_part_get_content_encoding(loc->part) != te)
        enc->encoding = g_mime_content_encoding_to_string(te);
    return true;
}

bool
mime_text_encode(const struct mime_loc *loc, const char *text, size_t len, struct mime_encoded *enc)
{
    struct buf clean = BUF_INIT, conv = BUF_INIT;
    memset(enc, 0, sizeof *enc);
    size_t bad;
    bool good = true, as_is = utf8_valid(text, len, &bad) && !memchr(text, '\r', len);
    if (!as_is) { /* the usual text needs no cleaning, hence no copy */
        good = mime_utf8_clean(text, len, &clean);
        if (good) lf_line_ends(&clean);
    }
    const char *s = as_is ? text : buf_str(&clean);
    size_t n = as_is ? len : clean.len;
    int switch_utf8 = good ? choose_charset(loc->part, &s, &n, &conv) : -1;
    good = switch_utf8 >= 0 && encode_body(loc, s, n, enc);
    enc->to_utf8 = switch_utf8 == 1;
    buf_free(&clean);
    buf_free(&conv);
    if (!good) mime_encoded_free(enc);
    return good;
}

void
mime_encoded_free(struct mime_encoded *enc)
{
    buf_free(&enc->body);
    enc->crlf = false;
    enc->to_utf8 = false;
    enc->encoding = NULL;
}
