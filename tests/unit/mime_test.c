/*
 * mime_test.c - rewriting the text leaves of real sample messages
 *
 * The samples live in tests/unit/mime/ (LF line ends; the tests make
 * CRLF copies where CRLF matters). The callback under test replaces the
 * word NAME in every leaf it is offered; a leaf without NAME is left as it
 * is. Rewritten messages are read back through mime_rewrite itself to find
 * the new text in the right leaf; tests/integration/mime_python.t checks
 * the same messages with an independent parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "mime.h"
#include "tap.h"
#include "unit/mime_helpers.h"

#define MAX_LEAVES 16

struct sample {
    struct buf all; /* the whole file, possibly turned CRLF */
    size_t hlen;    /* header block, its last line end included */
    const char *body;
    size_t blen;
};

/* What the callback saw, and what it should do. */
struct seen {
    const char *to; /* replaces NAME; NULL: hand every leaf back unchanged */
    bool fail;      /* refuse the first leaf */
    bool same;      /* return 1 with identical text */
    unsigned n;
    struct mime_leaf leaf[MAX_LEAVES];
    char *text[MAX_LEAVES];
};

static void
seen_free(struct seen *s)
{
    for (unsigned i = 0; i < s->n && i < MAX_LEAVES; i++)
        free(s->text[i]);
    s->n = 0;
}

static int
record(void *ctx, const struct mime_leaf *leaf, struct buf *out, char *err, size_t errlen)
{
    struct seen *s = ctx;
    if (s->n < MAX_LEAVES) {
        s->leaf[s->n] = *leaf;
        s->text[s->n] = strndup(leaf->text, leaf->len);
    }
    s->n++;
    if (s->fail) {
        snprintf(err, errlen, "template error at line 3");
        return -1;
    }
    if (s->same) return buf_append(out, leaf->text, leaf->len) ? 1 : -1;
    if (!s->to) return 0;
    return mh_replace(leaf->text, leaf->len, "NAME", s->to, out) ? 1 : 0;
}

/* ---- samples ---- */

static void
split(struct sample *s)
{
    const char *d = buf_str(&s->all);
    const char *lf = strstr(d, "\n\n"), *crlf = strstr(d, "\r\n\r\n");
    if (crlf && (!lf || crlf < lf)) {
        s->hlen = (size_t)(crlf - d) + 2;
        s->body = crlf + 4;
    } else if (lf) {
        s->hlen = (size_t)(lf - d) + 1;
        s->body = lf + 2;
    } else {
        s->hlen = s->all.len;
        s->body = d + s->all.len;
    }
    s->blen = s->all.len - (size_t)(s->body - d);
}

static bool
load(const char *name, bool crlf, struct sample *s)
{
    char path[1024];
    const char *src = getenv("TERN_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/unit/mime/%s", src ? src : "..", name);
    FILE *fp = fopen(path, "rb");
    memset(s, 0, sizeof *s);
    if (!fp) {
        diag("cannot open %s", path);
        return false;
    }
    int c;
    while ((c = getc(fp)) != EOF) {
        if (crlf && c == '\n') buf_putc(&s->all, '\r');
        buf_putc(&s->all, (char)c);
    }
    fclose(fp);
    split(s);
    return true;
}

static int
run(const struct sample *s, struct seen *seen, struct mime_edit *e, char *err, size_t errlen)
{
    return mime_rewrite(s->all.data, s->hlen, s->body, s->blen, record, seen, e, err, errlen);
}

/* Rewrite sample `name` (LF) replacing NAME by `to`; 0 or -1. */
static int
rewrite(const char *name, const char *to, struct sample *s, struct seen *seen, struct mime_edit *e)
{
    char err[256];
    memset(seen, 0, sizeof *seen);
    seen->to = to;
    if (!load(name, false, s)) return -1;
    int rc = run(s, seen, e, err, sizeof err);
    if (rc < 0) diag("%s: %s", name, err);
    return rc;
}

/* Rewrite `body` of a multipart/mixed with boundary "b", replacing NAME by `to`. */
static int
rewrite_mixed(const char *body, const char *to, struct seen *seen, struct mime_edit *e)
{
    static const char h[] = "Content-Type: multipart/mixed; boundary=b\n";
    char err[256];
    memset(seen, 0, sizeof *seen);
    seen->to = to;
    int rc = mime_rewrite(h, sizeof h - 1, body, strlen(body), record, seen, e, err, sizeof err);
    if (rc < 0) diag("%s", err);
    return rc;
}

/* Read the rewritten message back: what does each leaf say now? */
static void
read_back(const struct sample *s, const struct mime_edit *e, struct seen *again)
{
    struct buf h = BUF_INIT;
    struct mime_edit e2;
    char err[256];
    memset(again, 0, sizeof *again);
    mh_new_headers(s->all.data, s->hlen, e, &h);
    const char *body = e->body_changed ? e->body.data : s->body;
    size_t blen = e->body_changed ? e->body.len : s->blen;
    if (mime_rewrite(h.data, h.len, body, blen, record, again, &e2, err, sizeof err) < 0)
        diag("read back: %s", err);
    mime_edit_free(&e2);
    buf_free(&h);
}

static void
sample_free(struct sample *s)
{
    buf_free(&s->all);
}

/* One sample rewritten and, on request, read back. */
struct fx {
    struct sample s;
    struct seen seen, again;
    struct mime_edit e;
    int rc;
};

static void
fx_rewrite(struct fx *f, const char *name, const char *to)
{
    memset(f, 0, sizeof *f);
    f->rc = rewrite(name, to, &f->s, &f->seen, &f->e);
}

static void
fx_done(struct fx *f)
{
    seen_free(&f->seen);
    seen_free(&f->again);
    mime_edit_free(&f->e);
    sample_free(&f->s);
}

/* Does `hay` hold `part` of the sample, with its LFs turned CRLF? */
static bool
holds_crlf(const struct buf *hay, const char *part, size_t n)
{
    struct buf want = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (part[i] == '\n') buf_putc(&want, '\r');
        buf_putc(&want, part[i]);
    }
    bool found = hay->data && memmem(hay->data, hay->len, want.data, want.len);
    buf_free(&want);
    return found;
}

/* The bytes of the sample from `from` up to (not including) `to`. */
static bool
holds_section(const struct buf *hay, const struct sample *s, const char *from, const char *to)
{
    const char *a = strstr(s->all.data, from);
    const char *b = a ? strstr(a + 1, to) : NULL;
    return b && holds_crlf(hay, a, (size_t)(b - a));
}

/* Every line at most 76 characters before its CRLF, every byte 7-bit. */
static bool
lines_short_and_7bit(const char *s, size_t n, size_t *longest)
{
    size_t col = 0;
    *longest = 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] > 0x7f) return false;
        if (s[i] == '\r' || s[i] == '\n') {
            col = 0;
            continue;
        }
        if (++col > *longest) *longest = col;
    }
    return *longest <= 76;
}

static bool
all_crlf(const struct buf *b)
{
    for (size_t i = 0; i < b->len; i++)
        if (b->data[i] == '\n' && (i == 0 || b->data[i - 1] != '\r')) return false;
    return true;
}

/* ---- single part ---- */

static void
single_plain_leaf_is_rewritten(void)
{
    struct fx f;
    fx_rewrite(&f, "plain.eml", "Ann");
    ok(f.rc == 0 && f.seen.n == 1 && f.seen.leaf[0].kind == MIME_PLAIN,
       "one text/plain leaf offered");
    like(f.seen.text[0], "Hello NAME,\n\nyour order", "its text arrives decoded with LF line ends");
    ok(f.e.body_changed && f.e.leaves == 1 && f.e.changed == 1, "the body is replaced");
    is_str(f.e.transfer_encoding, "quoted-printable", "7bit becomes quoted-printable");
    ok(f.e.content_type == NULL, "ASCII text keeps Content-Type: us-ascii");
    read_back(&f.s, &f.e, &f.again);
    like(f.again.text[0], "Hello Ann,\n\nyour order", "the new text reads back");
    like(f.again.text[0], "-- \nThe shop", "the signature separator survives");
    fx_done(&f);
}

static void
single_html_reports_top_level_headers(void)
{
    struct fx f;
    fx_rewrite(&f, "html.eml", "Zo\xc3\xab");
    ok(f.rc == 0 && f.seen.n == 1 && f.seen.leaf[0].kind == MIME_HTML &&
           f.seen.leaf[0].html_index == 0,
       "one text/html leaf, the first HTML leaf");
    is_str(f.e.content_type, "text/html; charset=utf-8", "us-ascii cannot hold it: UTF-8 reported");
    is_str(f.e.transfer_encoding, "quoted-printable", "new transfer encoding reported");
    like(f.e.body.data, "Hello Zo=C3=AB,", "the body is just the encoded text");
    ok(!strstr(f.e.body.data, "Content-Type"), "no header lines in a single part body");
    read_back(&f.s, &f.e, &f.again);
    like(f.again.text[0], "Hello Zo\xc3\xab,", "the new text reads back");
    like(f.again.text[0], "href=\"https://shop.example.com/?a=1&amp;b=2\"", "links keep &amp;");
    fx_done(&f);
}

/* ---- multipart structure ---- */

static void
alternative_offers_text_then_html(void)
{
    struct fx f;
    fx_rewrite(&f, "alternative.eml", "Ann");
    ok(f.rc == 0 && f.seen.n == 2, "both alternatives offered");
    ok(f.seen.leaf[0].kind == MIME_PLAIN && f.seen.leaf[0].index == 0 && f.seen.leaf[0].alternative,
       "text/plain first, marked alternative");
    ok(f.seen.leaf[1].kind == MIME_HTML && f.seen.leaf[1].index == 1 &&
           f.seen.leaf[1].html_index == 0 && f.seen.leaf[1].alternative,
       "text/html second, the first HTML leaf");
    like(f.seen.text[1], "<a href=\"https://shop.example.com/\">", "QP =3D decoded");
    ok(!f.e.content_type && !f.e.transfer_encoding, "a multipart reports no top-level headers");
    ok(holds_crlf(&f.e.body, "This is a multi-part message in MIME format.\n\n--=_alt_1\n", 50),
       "preamble and boundary kept");
    read_back(&f.s, &f.e, &f.again);
    like(f.again.text[0], "Hello Ann,", "plain part reads back");
    like(f.again.text[1], "<p>Hello Ann,</p>", "html part reads back");
    fx_done(&f);
}

static void
mixed_attachments_stay_byte_identical(void)
{
    struct fx f;
    fx_rewrite(&f, "mixed.eml", "Ann");
    ok(f.rc == 0 && f.seen.n == 1 && f.seen.leaf[0].kind == MIME_HTML,
       "only the HTML body offered");
    ok(holds_section(&f.e.body, &f.s, "--mixed-b\nContent-Type: application/pdf",
                     "--mixed-b\nContent-Type: text/plain"),
       "the base64 PDF part is byte-identical");
    ok(holds_section(&f.e.body, &f.s, "Content-Type: text/plain; charset=us-ascii; name=",
                     "--mixed-b\nContent-Type: text/plain; charset=us-ascii\n"),
       "the text/plain attachment is byte-identical");
    ok(holds_section(&f.e.body, &f.s, "Content-Disposition: inline; filename=", "--mixed-b--"),
       "an inline part with a filename is left alone too");
    read_back(&f.s, &f.e, &f.again);
    like(f.again.text[0], "Dear Ann,", "the HTML part reads back");
    fx_done(&f);
}

static void
related_inline_image_untouched(void)
{
    struct fx f;
    fx_rewrite(&f, "related.eml", "Ann");
    ok(f.rc == 0 && f.seen.n == 1 && f.seen.leaf[0].kind == MIME_HTML &&
           !f.seen.leaf[0].alternative,
       "the HTML root of multipart/related offered");
    ok(holds_section(&f.e.body, &f.s, "--rel\nContent-Type: image/png", "--rel--"),
       "the inline image is byte-identical");
    like(f.e.body.data, "cid:logo@shop", "the cid: reference is kept");
    fx_done(&f);
}

static void
nested_mixed_alternative_offers_inner_leaves(void)
{
    struct fx f;
    fx_rewrite(&f, "nested.eml", "Ann");
    ok(f.rc == 0 && f.seen.n == 2 && f.seen.leaf[0].alternative && f.seen.leaf[1].alternative,
       "both leaves of the inner alternative offered");
    ok(holds_section(&f.e.body, &f.s, "--outer\nContent-Type: image/png", "--outer--"),
       "the attachment after it is byte-identical");
    read_back(&f.s, &f.e, &f.again);
    ok(f.again.n == 2 && strstr(f.again.text[0], "Plain for Ann") &&
           strstr(f.again.text[1], "HTML for Ann"),
       "each leaf reads back with its own new text");
    fx_done(&f);
}

static void
signed_message_is_not_offered(void)
{
    struct fx f;
    fx_rewrite(&f, "signed.eml", "Ann");
    ok(f.rc == 0 && f.seen.n == 0 && f.e.leaves == 0, "nothing inside multipart/signed is offered");
    ok(!f.e.body_changed && !f.e.content_type && !f.e.transfer_encoding,
       "the message is left alone");
    fx_done(&f);
}

static void
encrypted_and_pkcs7_are_not_offered(void)
{
    struct fx f;
    fx_rewrite(&f, "encrypted.eml", "Ann");
    ok(f.rc == 0 && f.seen.n == 1, "only the leaf outside the envelope offered");
    like(f.seen.text[0], "Outside the envelope", "and it is that leaf");
    ok(holds_section(&f.e.body, &f.s, "--m\nContent-Type: multipart/encrypted",
                     "--m\nContent-Type: text/plain"),
       "multipart/encrypted and application/pkcs7-mime are byte-identical");
    fx_done(&f);
}

/* ---- charsets and transfer encodings ---- */

static void
utf8_8bit_input_is_decoded(void)
{
    struct fx f;
    fx_rewrite(&f, "utf8.eml", "J\xc3\xb8rn");
    ok(f.rc == 0 && f.seen.n == 1, "the 8bit UTF-8 leaf is offered");
    like(f.seen.text[0],
         "Gr\xc3\xbc\xc3\x9f"
         "e, NAME! \xc3\x87"
         "a va? \xe6\x97\xa5",
         "as UTF-8");
    ok(f.e.content_type == NULL, "charset utf-8 kept");
    is_str(f.e.transfer_encoding, "quoted-printable", "8bit becomes quoted-printable");
    read_back(&f.s, &f.e, &f.again);
    like(f.again.text[0],
         "Gr\xc3\xbc\xc3\x9f"
         "e, J\xc3\xb8rn!",
         "the new text reads back");
    fx_done(&f);
}

static void
latin1_text_that_fits_keeps_its_charset(void)
{
    struct fx f;
    fx_rewrite(&f, "latin1.eml", "Ren\xc3\xa9");
    ok(f.rc == 0 && f.seen.n == 2, "both latin-1 leaves offered");
    like(f.seen.text[0], "Ch\xc3\xa8re NAME, voil\xc3\xa0.", "QP latin-1 decoded to UTF-8");
    like(f.seen.text[1], "<p>Ch\xc3\xa8re NAME</p>", "8-bit latin-1 decoded to UTF-8");
    like(f.e.body.data, "Content-Type: text/plain; charset=iso-8859-1; format=flowed\r\n",
         "the plain part keeps its Content-Type line");
    like(f.e.body.data, "Ch=E8re Ren=E9, voil=E0.", "and is encoded in latin-1");
    like(f.e.body.data,
         "Content-Type: text/html; charset=\"ISO-8859-1\"\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
         "the html part gains a transfer encoding, its charset line untouched");
    read_back(&f.s, &f.e, &f.again);
    like(f.again.text[0], "Ch\xc3\xa8re Ren\xc3\xa9,", "the new text reads back");
    fx_done(&f);
}

static void
latin1_text_that_does_not_fit_switches_to_utf8(void)
{
    struct fx f;
    fx_rewrite(&f, "latin1.eml", "\xe2\x82\xac 5"); /* the euro sign */
    ok(f.rc == 0 && f.seen.n == 2, "both leaves offered");
    like(f.e.body.data, "Content-Type: text/plain; charset=utf-8; format=flowed\r\n",
         "the plain part's Content-Type line now says utf-8, format kept");
    ok(!strstr(f.e.body.data, "iso-8859-1; format"), "the old line is gone");
    like(f.e.body.data, "Ch=C3=A8re =E2=82=AC 5, voil=C3=A0.", "encoded as UTF-8");
    read_back(&f.s, &f.e, &f.again);
    like(f.again.text[0], "Ch\xc3\xa8re \xe2\x82\xac 5,", "plain reads back");
    like(f.again.text[1], "Ch\xc3\xa8re \xe2\x82\xac 5", "html reads back");
    fx_done(&f);
}

static void
a_leaf_in_an_unknown_charset_is_counted_as_skipped(void)
{
    static const char hdrs[] = "Content-Type: multipart/alternative; boundary=b\n";
    static const char body[] = "--b\nContent-Type: text/plain; charset=unknown-8bit\n\nHi NAME\n"
                               "--b\nContent-Type: text/html; charset=utf-8\n\n<p>Hi NAME</p>\n"
                               "--b--\n";
    struct mime_edit e;
    struct seen s = {0};
    char err[256];
    int rc =
        mime_rewrite(hdrs, sizeof hdrs - 1, body, sizeof body - 1, record, &s, &e, err, sizeof err);
    ok(rc == 0 && e.leaves == 1 && e.skipped == 1, "one leaf offered, the other skipped");
    is_str(e.skip_why,
           "a text/plain part in an unknown transfer encoding or charset (charset unknown-8bit)",
           "the reason names the part and its charset");
    mime_edit_free(&e);
    seen_free(&s);
}

static void
utf16_text_switches_to_utf8(void)
{
    struct fx f;
    fx_rewrite(&f, "utf16.eml", "Ann");
    ok(f.rc == 0 && f.seen.n == 1, "the UTF-16 leaf is offered");
    like(f.seen.text[0], "Hello NAME", "decoded to UTF-8");
    like(f.e.content_type ? f.e.content_type : "", "charset=utf-8",
         "its charset becomes utf-8: quoted-printable cannot carry UTF-16");
    read_back(&f.s, &f.e, &f.again);
    like(f.again.text[0], "Hello Ann\nWorld", "the new text reads back, lines intact");
    fx_done(&f);
}

static void
charset_parameter_is_replaced_as_written(void)
{
    const char *b = "--b\nContent-Type: text/plain; (a; comment) format=\"x;y\";\n"
                    "\tcharset=\"iso-8859-1\"; delsp=yes\n\nNAME\n--b--\n";
    struct seen seen;
    struct mime_edit e;
    int rc = rewrite_mixed(b, "\xe2\x82\xac", &seen, &e);
    ok(rc == 0 && e.changed == 1, "the leaf changed");
    like(e.body.data,
         "Content-Type: text/plain; (a; comment) format=\"x;y\"; charset=utf-8; delsp=yes\r\n",
         "only the charset parameter changes; comments, quotes and order are kept");
    seen_free(&seen), mime_edit_free(&e);
}

static void
unsafe_charset_edit_leaves_the_leaf_alone(void)
{
    const char *b = "--b\nContent-Type: text/html; x=t\"a; charset=iso-8859-1\n\nNAME\n--b--\n";
    struct seen seen;
    struct mime_edit e;
    int rc = rewrite_mixed(b, "\xe2\x82\xac", &seen, &e);
    ok(rc == 0 && seen.n == 1 && e.changed == 0 && !e.body_changed,
       "a stray quote hides the charset from a textual edit: the leaf stays as it was");
    seen_free(&seen), mime_edit_free(&e);
}

static void
base64_text_leaf_is_decoded(void)
{
    struct fx f;
    fx_rewrite(&f, "base64.eml", "Ann");
    ok(f.rc == 0 && f.seen.n == 1, "the base64 text/html leaf offered");
    like(f.seen.text[0],
         "<p>Hello NAME, \xc3\xa7"
         "a marche.</p>\n<p>Line two",
         "decoded, CRLF -> LF");
    like(f.e.body.data, "Content-Transfer-Encoding: quoted-printable\r\n\r\n<html>",
         "its transfer encoding line becomes quoted-printable");
    ok(!strstr(f.e.body.data, "base64"), "no base64 left");
    read_back(&f.s, &f.e, &f.again);
    like(f.again.text[0],
         "Hello Ann, \xc3\xa7"
         "a marche.",
         "the new text reads back");
    fx_done(&f);
}

static void
qp_soft_breaks_are_joined(void)
{
    struct fx f;
    fx_rewrite(&f, "qp.eml", NULL);
    ok(f.rc == 0 && f.seen.n == 1, "the QP leaf offered");
    like(f.seen.text[0], "soft line break right here, and", "the soft break is gone");
    like(f.seen.text[0], "equals sign = and caf\xc3\xa9.", "=3D and =C3=A9 decoded");
    fx_done(&f);
}

static void
unknown_charset_is_not_offered(void)
{
    const char *h = "Content-Type: text/plain; charset=x-no-such-charset\n";
    struct seen seen = {.to = "Ann"};
    struct mime_edit e;
    char err[256];
    int rc = mime_rewrite(h, strlen(h), "Hi NAME\n", 8, record, &seen, &e, err, sizeof err);
    ok(rc == 0 && seen.n == 0 && !e.body_changed, "a charset iconv does not know is left alone");
    mime_edit_free(&e);
}

/* ---- encoding rules ---- */

static void
changed_leaves_have_short_7bit_lines(void)
{
    struct buf to = BUF_INIT;
    for (int i = 0; i < 30; i++)
        buf_puts(&to, "caf\xc3\xa9 = 100%\t ");
    buf_puts(&to, "end   ");
    struct fx f;
    size_t longest = 0;
    fx_rewrite(&f, "alternative.eml", to.data);
    ok(f.rc == 0 && f.e.changed == 2, "both leaves changed with a 500-byte line");
    ok(lines_short_and_7bit(f.e.body.data, f.e.body.len, &longest), "every line <= 76 and 7-bit");
    if (longest > 76) diag("longest line %zu", longest);
    fx_done(&f), buf_free(&to);
}

static void
output_uses_crlf(void)
{
    struct fx f;
    fx_rewrite(&f, "nested.eml", "Ann");
    ok(f.rc == 0 && f.e.body_changed && all_crlf(&f.e.body),
       "every line of the new body ends CRLF");
    fx_done(&f);
}

static void
lf_and_crlf_input_give_the_same_body(void)
{
    static const char *const names[] = {"mixed.eml", "latin1.eml", "base64.eml", "preamble.eml"};
    int same = 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        struct sample lf, crlf;
        struct seen a = {.to = "Ann"}, b = {.to = "Ann"};
        struct mime_edit ea, eb;
        char err[256];
        load(names[i], false, &lf);
        load(names[i], true, &crlf);
        if (run(&lf, &a, &ea, err, sizeof err) == 0 && run(&crlf, &b, &eb, err, sizeof err) == 0 &&
            ea.body.len == eb.body.len && memcmp(ea.body.data, eb.body.data, ea.body.len) == 0)
            same++;
        else
            diag("%s differs", names[i]);
        seen_free(&a), seen_free(&b), mime_edit_free(&ea), mime_edit_free(&eb);
        sample_free(&lf), sample_free(&crlf);
    }
    is_int(same, 4, "LF and CRLF input give identical bodies");
}

static void
crlf_input_keeps_untouched_bytes_identical(void)
{
    struct sample s;
    struct seen seen = {.to = "Ann"};
    struct mime_edit e;
    char err[256];
    load("mixed.eml", true, &s);
    int rc = run(&s, &seen, &e, err, sizeof err);
    const char *pdf = strstr(s.body, "--mixed-b\r\nContent-Type: application/pdf");
    const char *end = pdf ? strstr(pdf, "--mixed-b--") : NULL;
    ok(rc == 0 && end && memmem(e.body.data, e.body.len, pdf, (size_t)(end - pdf)),
       "everything after the changed leaf is the input, byte for byte");
    seen_free(&seen), mime_edit_free(&e), sample_free(&s);
}

/* ---- the callback's answers ---- */

static void
unchanged_leaves_mean_no_body_change(void)
{
    struct fx f;
    fx_rewrite(&f, "nested.eml", NULL);
    ok(f.rc == 0 && f.seen.n == 2 && f.e.leaves == 2 && f.e.changed == 0,
       "callback returned 0 twice");
    ok(!f.e.body_changed && f.e.body.len == 0 && !f.e.content_type && !f.e.transfer_encoding,
       "body_changed is false and nothing is reported");
    fx_done(&f);
}

static void
identical_text_counts_as_unchanged(void)
{
    struct sample s;
    struct seen seen = {.same = true};
    struct mime_edit e;
    char err[256];
    load("latin1.eml", false, &s);
    int rc = run(&s, &seen, &e, err, sizeof err);
    ok(rc == 0 && e.changed == 0 && !e.body_changed, "text handed back as it was changes nothing");
    seen_free(&seen), mime_edit_free(&e), sample_free(&s);
}

static void
callback_failure_aborts_with_its_reason(void)
{
    struct sample s;
    struct seen seen = {.fail = true};
    struct mime_edit e;
    char err[256];
    load("alternative.eml", false, &s);
    int rc = run(&s, &seen, &e, err, sizeof err);
    ok(rc == -1 && seen.n == 1, "the first -1 stops the rewrite");
    is_str(err, "template error at line 3", "with the callback's reason");
    ok(!e.body_changed && e.body.data == NULL, "and nothing to use in the edit");
    seen_free(&seen), mime_edit_free(&e), sample_free(&s);
}

/* ---- structure kept ---- */

static void
preamble_and_epilogue_are_kept(void)
{
    struct fx f;
    fx_rewrite(&f, "preamble.eml", "Ann");
    ok(f.rc == 0 && f.seen.n == 1 && f.e.changed == 1, "the one leaf changed");
    ok(holds_crlf(&f.e.body, "Preamble text that MUAs hide. NAME stays here.\n--pp\n", 52),
       "the preamble is untouched");
    ok(holds_crlf(&f.e.body, "\n--pp--\nEpilogue text, NAME stays here too.\n", 44),
       "the epilogue is untouched");
    read_back(&f.s, &f.e, &f.again);
    like(f.again.text[0], "Body for Ann.", "the leaf reads back");
    fx_done(&f);
}

static void
boundary_lookalike_text_goes_base64(void)
{
    struct fx f;
    fx_rewrite(&f, "preamble.eml", "Ann\n--pp--\nfake end");
    ok(f.rc == 0 && f.e.changed == 1, "the leaf changed");
    like(f.e.body.data, "Content-Transfer-Encoding: base64\r\n", "encoded base64, not QP");
    read_back(&f.s, &f.e, &f.again);
    like(f.again.text[0], "Ann\n--pp--\nfake end", "the boundary-like text reads back intact");
    fx_done(&f);
}

/* ---- hostile and broken input ---- */

static void
truncated_multipart_rewrites_what_it_finds(void)
{
    struct fx f;
    fx_rewrite(&f, "truncated.eml", "Ann");
    ok(f.rc == 0 && f.seen.n == 2, "both leaves of the unterminated multipart offered");
    read_back(&f.s, &f.e, &f.again);
    ok(f.again.n == 2 && strstr(f.again.text[1], "HTML for Ann"), "the last leaf reads back");
    fx_done(&f);
}

static void
multipart_without_boundary_is_left_alone(void)
{
    struct fx f;
    fx_rewrite(&f, "noboundary.eml", "Ann");
    ok(f.rc == 0 && f.seen.n == 0 && !f.e.body_changed,
       "no boundary: nothing offered, nothing changed");
    fx_done(&f);
}

/* Asking GMime for the missing boundary makes it invent one and encode the header's
 * parameters again, and its encoder never ends on some long ones (this 72-byte name with an
 * 8-bit value): the walk reads the parameter itself. */
static void
multipart_without_boundary_but_a_long_parameter_is_left_alone(void)
{
    struct fx f;
    fx_rewrite(&f, "noboundary_longparam.eml", "Ann");
    ok(f.rc == 0 && f.seen.n == 0 && !f.e.body_changed,
       "no boundary and a parameter GMime cannot fold: nothing offered, nothing changed");
    fx_done(&f);
}

/* A multipart/mixed of `n` parts of type `type`, each "Hi NAME", rewritten. */
static int
rewrite_parts(unsigned n, const char *type, struct mime_edit *e, char *err, size_t errlen)
{
    static const char h[] = "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n";
    struct buf body = BUF_INIT;
    for (unsigned i = 0; i < n; i++)
        buf_printf(&body, "--b\nContent-Type: %s\n\nHi NAME\n", type);
    buf_puts(&body, "--b--\n");
    struct seen seen = {.to = "Ann"};
    int rc = mime_rewrite(h, sizeof h - 1, buf_str(&body), body.len, record, &seen, e, err, errlen);
    seen_free(&seen);
    buf_free(&body);
    return rc;
}

static int
rewrite_leaves(unsigned n, struct mime_edit *e, char *err, size_t errlen)
{
    return rewrite_parts(n, "text/plain", e, err, errlen);
}

/* Parts of any kind cost GMime memory: too many boundary lines refuse the message unparsed. */
static void
more_boundary_lines_than_the_limit_refuse_the_message(void)
{
    struct mime_edit e;
    char err[256];
    unsigned most = MIME_BOUNDARY_LINES_MAX - 1; /* and the closing boundary */
    ok(rewrite_parts(most, "application/octet-stream", &e, err, sizeof err) == 0 && !e.body_changed,
       "a message of 3,999 attachments is parsed (nothing to rewrite in it)");
    mime_edit_free(&e);
    is_int(rewrite_parts(most + 1, "application/octet-stream", &e, err, sizeof err), -1,
           "one of 4,000 attachments and its closing boundary is refused");
    like(err, "more than 4000 lines beginning with \"--\"", "and says why");
    mime_edit_free(&e);
    static const char h[] = "MIME-Version: 1.0\nContent-Type: text/plain\n\n";
    struct buf body = BUF_INIT;
    for (unsigned i = 0; i <= MIME_BOUNDARY_LINES_MAX; i++)
        buf_puts(&body, "-- Hi NAME\n");
    struct seen seen = {.to = "Ann"};
    ok(mime_rewrite(h, sizeof h - 1, buf_str(&body), body.len, record, &seen, &e, err,
                    sizeof err) == 0 &&
           e.body_changed,
       "in a text/plain message such lines are text, and it is rewritten");
    seen_free(&seen);
    buf_free(&body);
    mime_edit_free(&e);
}

static void
more_text_parts_than_the_limit_refuse_the_message(void)
{
    struct mime_edit e;
    char err[256];
    ok(rewrite_leaves(MIME_LEAVES_MAX, &e, err, sizeof err) == 0 && e.changed == MIME_LEAVES_MAX,
       "a message of 1,000 text parts is rewritten");
    mime_edit_free(&e);
    is_int(rewrite_leaves(MIME_LEAVES_MAX + 1, &e, err, sizeof err), -1,
           "one of 1,001 is refused whole");
    like(err, "more than 1000 text parts", "and says why");
}

static void
garbage_never_crashes(void)
{
#define RAW(s)                                                                                     \
    {                                                                                              \
        s, sizeof s - 1                                                                            \
    }
    static const struct {
        const char *s;
        size_t n;
    } bodies[] = {
        RAW("--b\n\n\n--b\nContent-Type: text/html\n\nx\n--b\n--b--"),
        RAW("--b\nContent-Type: multipart/mixed; boundary=b\n\n--b\n--b\n"),
        RAW("\n\n\n\x00\xff\xfe--b\r\rContent-Type: text/plain\n\x00NAME"),
        RAW("--b\nContent-Type: text/plain; charset=utf-16\nContent-Transfer-Encoding: base64\n\n"
            "//5OAEEATQBFAA==\n--b--\n"),
        RAW("--b\nContent-Type: text/plain; charset=iso-2022-jp\n\n\x1b$B$3\x1b(BNAME\n--b--"),
    };
#undef RAW
    const char *h = "Content-Type: multipart/mixed; boundary=b\n";
    int survived = 0;
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        struct seen seen = {.to = "Ann"};
        struct mime_edit e;
        char err[256];
        int rc = mime_rewrite(h, strlen(h), bodies[i].s, bodies[i].n, record, &seen, &e, err,
                              sizeof err);
        survived += rc == 0 || rc == -1;
        seen_free(&seen), mime_edit_free(&e);
    }
    is_int(survived, 5, "broken structures give 0 or -1, never a crash");
}

static void
stray_header_line_is_not_offered(void)
{
    const char *b = "--b\nC text/html\n\nNAME\n--b\nContent-Type: text/plain\n\nNAME\n--b--\n";
    struct seen seen;
    struct mime_edit e;
    int rc = rewrite_mixed(b, "Ann", &seen, &e);
    ok(rc == 0 && seen.n == 1 && e.changed == 1, "only the part whose header block is clean");
    like(e.body.data, "--b\r\nC text/html\r\n\r\nNAME\r\n--b", "the other stays as it was");
    seen_free(&seen), mime_edit_free(&e);
}

static void
body_before_an_odd_delimiter_is_not_offered(void)
{
    /* GMime ends the first part at "--b\r" but trims one byte too many */
    const char *b = "--b\nContent-Type: text/plain\n\nNAME one\n--b\r\r\n"
                    "Content-Type: text/plain\n\nNAME two\n--b--\n";
    struct seen seen;
    struct mime_edit e;
    int rc = rewrite_mixed(b, "Ann", &seen, &e);
    ok(rc == 0 && seen.n == 1 && e.changed == 1, "only the part that ends at a clean delimiter");
    like(e.body.data, "NAME one\r\n--b\r\r\n", "the other is left byte for byte");
    seen_free(&seen), mime_edit_free(&e);
}

static void
duplicate_content_type_is_not_offered(void)
{
    const char *b = "--b\nContent-Type: text/plain\nContent-Type: text/html\n\nNAME\n--b--\n";
    struct seen seen;
    struct mime_edit e;
    int rc = rewrite_mixed(b, "Ann", &seen, &e);
    ok(rc == 0 && seen.n == 0, "a leaf with two Content-Type lines is ambiguous: left alone");
    seen_free(&seen), mime_edit_free(&e);
}

/* ---- size ---- */

/* A text/html message of at least `size` bytes with NAME on its last line. */
static void
big_message(size_t size, struct buf *h, struct buf *b)
{
    buf_puts(h, "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n");
    for (unsigned i = 0; b->len < size; i++)
        buf_printf(b,
                   "<p>Line %u with a <a href=\"https://shop.example.com/p/%u\">link</a></p>\r\n",
                   i, i);
    buf_puts(b, "<p>Bye NAME</p>\r\n");
}

static void
rewrites_big_body(size_t size, const char *name)
{
    struct buf h = BUF_INIT, b = BUF_INIT;
    struct seen seen = {.to = "Ann"}, again = {0};
    struct mime_edit e, e2;
    char err[256];
    big_message(size, &h, &b);
    int rc = mime_rewrite(h.data, h.len, b.data, b.len, record, &seen, &e, err, sizeof err);
    ok(rc == 0 && e.changed == 1 && e.body.len > size, "%s body rewritten", name);
    const char *qp = "Content-Type: text/html; charset=utf-8\n"
                     "Content-Transfer-Encoding: quoted-printable\n";
    rc =
        mime_rewrite(qp, strlen(qp), e.body.data, e.body.len, record, &again, &e2, err, sizeof err);
    ok(rc == 0 && again.n == 1 && strstr(again.text[0], "<p>Bye Ann</p>\n") &&
           strstr(again.text[0], "<p>Line 0 with a <a href=\"https://shop.example.com/p/0\">"),
       "%s body reads back whole", name);
    seen_free(&seen), seen_free(&again), mime_edit_free(&e), mime_edit_free(&e2);
    buf_free(&h), buf_free(&b);
}

static void
bodies_over_64k_and_1mb_are_rewritten(void)
{
    rewrites_big_body(65 * 1024, "65 KiB");
    rewrites_big_body(1100 * 1024, "1.1 MB");
}

static void
newsletter_is_rewritten_around_its_image(void)
{
    struct fx f;
    size_t longest;
    fx_rewrite(&f, "newsletter.eml", "Zo\xc3\xab");
    ok(f.rc == 0 && f.e.changed == 2 && f.seen.leaf[0].alternative && f.seen.leaf[1].alternative,
       "both alternatives of the related newsletter rewritten");
    ok(holds_section(&f.e.body, &f.s, "--rel-0001\nContent-Type: image/png", "--rel-0001--"),
       "its inline banner is byte-identical");
    ok(lines_short_and_7bit(f.e.body.data, f.e.body.len, &longest), "in short 7-bit lines");
    read_back(&f.s, &f.e, &f.again);
    like(f.again.text[0], "299. Angebot f\xc3\xbcr Zo\xc3\xab:", "the last text line reads back");
    like(f.again.text[1], "href=\"https://shop.example.com/p/7?utm=nl&amp;x=%C3%BC\"",
         "links keep &amp; and percent-encoding");
    fx_done(&f);
}

/* CPU cost of the newsletter sample, rewritten whole (diagnostic only). */
static void
report_newsletter_cost(void)
{
    struct sample s;
    struct timespec t0, t1;
    int n = 200, good = 0;
    if (!load("newsletter.eml", true, &s)) return;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0); /* CPU time: the machine may be busy */
    for (int i = 0; i < n; i++) {
        struct seen seen = {.to = "Ann"};
        struct mime_edit e;
        char err[256];
        good += run(&s, &seen, &e, err, sizeof err) == 0 && e.changed == 2;
        seen_free(&seen), mime_edit_free(&e);
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    double us = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3;
    is_int(good, n, "the newsletter rewrites every time");
    diag("%zu-byte newsletter: %.0f us CPU per message (parse, decode, encode, splice)", s.all.len,
         us / n);
    sample_free(&s);
}

/* ---- headers ---- */

static void
header_decode_turns_rfc2047_into_utf8(void)
{
    struct buf out = BUF_INIT;
    mime_header_decode("=?ISO-8859-1?Q?Caf=E9?= =?UTF-8?B?w6k=?= for you", &out);
    is_str(out.data, "Caf\xc3\xa9\xc3\xa9 for you",
           "encoded words decoded, the space between dropped");
    buf_reset(&out);
    mime_header_decode("Plain\r\n\tfolded subject", &out);
    is_str(out.data, "Plain\tfolded subject", "a folded value is unfolded");
    buf_reset(&out);
    mime_header_decode("", &out);
    is_str(buf_str(&out), "", "an empty value stays empty");
    buf_free(&out);
}

int
main(void)
{
    mime_init();
    single_plain_leaf_is_rewritten();
    single_html_reports_top_level_headers();
    alternative_offers_text_then_html();
    mixed_attachments_stay_byte_identical();
    related_inline_image_untouched();
    nested_mixed_alternative_offers_inner_leaves();
    signed_message_is_not_offered();
    encrypted_and_pkcs7_are_not_offered();
    utf8_8bit_input_is_decoded();
    latin1_text_that_fits_keeps_its_charset();
    latin1_text_that_does_not_fit_switches_to_utf8();
    utf16_text_switches_to_utf8();
    a_leaf_in_an_unknown_charset_is_counted_as_skipped();
    charset_parameter_is_replaced_as_written();
    unsafe_charset_edit_leaves_the_leaf_alone();
    base64_text_leaf_is_decoded();
    qp_soft_breaks_are_joined();
    unknown_charset_is_not_offered();
    changed_leaves_have_short_7bit_lines();
    output_uses_crlf();
    lf_and_crlf_input_give_the_same_body();
    crlf_input_keeps_untouched_bytes_identical();
    unchanged_leaves_mean_no_body_change();
    identical_text_counts_as_unchanged();
    callback_failure_aborts_with_its_reason();
    preamble_and_epilogue_are_kept();
    boundary_lookalike_text_goes_base64();
    truncated_multipart_rewrites_what_it_finds();
    multipart_without_boundary_is_left_alone();
    multipart_without_boundary_but_a_long_parameter_is_left_alone();
    more_text_parts_than_the_limit_refuse_the_message();
    more_boundary_lines_than_the_limit_refuse_the_message();
    garbage_never_crashes();
    duplicate_content_type_is_not_offered();
    body_before_an_odd_delimiter_is_not_offered();
    stray_header_line_is_not_offered();
    bodies_over_64k_and_1mb_are_rewritten();
    newsletter_is_rewritten_around_its_image();
    report_newsletter_cost();
    header_decode_turns_rfc2047_into_utf8();
    return tap_done();
}
