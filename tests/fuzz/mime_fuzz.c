/*
 * mime_fuzz.c - libFuzzer target for rewriting the text leaves of a message
 *
 * The input is a message: header block, empty line, body (without an
 * empty line the whole input is the body of a multipart/mixed with
 * boundary "b"). Every even-numbered leaf gets a non-Latin-1 word and a
 * boundary-looking line appended; odd ones are kept. Then:
 *
 *   1. the new body uses CRLF line ends only;
 *   2. read back (with the reported top-level header values applied) the
 *      message offers the same number of leaves, and each even leaf holds
 *      exactly the text the callback gave it (as UTF-8: a byte that is not
 *      becomes U+FFFD, as the rewrite promises; a leaf in a charset GMime
 *      does not know reaches the callback undecoded), or its old text when
 *      it was left alone: the rewrite never breaks the structure it splices
 *      into;
 *   3. the first line, as a header value, decodes to valid UTF-8.
 *
 * Any disagreement traps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "utf8.h"
#include "unit/mime_helpers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ADDED     " \xe2\x82\xac\n--b\n"
#define MAX_SEEN  64
#define DEFAULT_H "Content-Type: multipart/mixed; boundary=b\n"

struct seen {
    bool change; /* first pass: rewrite even leaves */
    unsigned n;
    struct buf text[MAX_SEEN]; /* second pass: what each leaf says */
};

static int
on_leaf(void *ctx, const struct mime_leaf *leaf, struct buf *out, char *err, size_t errlen)
{
    struct seen *s = ctx;
    unsigned i = s->n++;
    if (!s->change) {
        if (i < MAX_SEEN) buf_append(&s->text[i], leaf->text, leaf->len);
        return 0;
    }
    if (i % 2) return 0;
    if (!buf_append(out, leaf->text, leaf->len) || !buf_puts(out, ADDED)) return -1;
    return 1;
}

static void
seen_free(struct seen *s)
{
    for (unsigned i = 0; i < MAX_SEEN; i++)
        buf_free(&s->text[i]);
}

static void
check_crlf(const struct buf *b)
{
    for (size_t i = 0; i < b->len; i++)
        if (b->data[i] == '\n' && (i == 0 || b->data[i - 1] != '\r')) __builtin_trap();
}

/* `s` as the rewrite writes text: every byte that is not valid UTF-8 becomes U+FFFD. */
static void
as_utf8(const char *s, size_t n, struct buf *out)
{
    size_t bad;
    while (!utf8_valid(s, n, &bad)) {
        buf_append(out, s, bad);
        buf_puts(out, "\xEF\xBF\xBD");
        s += bad + 1, n -= bad + 1;
    }
    buf_append(out, s, n);
}

/* Leaf i of the rewrite should now read `old + ADDED` for even i. */
static void
check_read_back(const char *h, size_t hlen, const struct mime_edit *e, unsigned leaves,
                const struct seen *before)
{
    struct buf hdr = BUF_INIT;
    struct seen after = {.change = false};
    struct mime_edit e2;
    char err[256];
    mh_new_headers(h, hlen, e, &hdr);
    if (mime_rewrite(hdr.data, hdr.len, e->body.data, e->body.len, on_leaf, &after, &e2, err,
                     sizeof err) < 0 ||
        after.n != leaves)
        __builtin_trap();
    for (unsigned i = 0; i < leaves && i < MAX_SEEN; i += 2) {
        const struct buf *want = &before->text[i], *got = &after.text[i];
        struct buf given = BUF_INIT, written = BUF_INIT;
        buf_append(&given, want->data, want->len);
        buf_puts(&given, ADDED);
        as_utf8(given.data, given.len, &written);
        bool kept = got->len == want->len && memcmp(got->data, want->data, want->len) == 0;
        bool changed = got->len == written.len && memcmp(got->data, written.data, got->len) == 0;
        buf_free(&given), buf_free(&written);
        if (!kept && !changed) __builtin_trap(); /* kept: its Content-Type could not say utf-8 */
    }
    mime_edit_free(&e2);
    seen_free(&after);
    buf_free(&hdr);
}

static void
check_header_decode(const char *in, size_t size)
{
    const char *nl = memchr(in, '\n', size);
    char *value = strndup(in, nl ? (size_t)(nl - in) : size);
    struct buf out = BUF_INIT;
    if (!value) return;
    mime_header_decode(value, &out);
    if (!utf8_valid(buf_str(&out), out.len, NULL)) __builtin_trap();
    buf_free(&out);
    free(value);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) mime_init(), ready = true;
    const char *in = (const char *)data, *sep = memmem(in, size, "\n\n", 2);
    const char *h = sep ? in : DEFAULT_H, *body = sep ? sep + 2 : in;
    size_t hlen = sep ? (size_t)(sep - in) : strlen(DEFAULT_H);
    size_t blen = sep ? size - hlen - 2 : size;

    struct seen before = {.change = false}, changing = {.change = true};
    struct mime_edit e;
    char err[256];
    if (mime_rewrite(h, hlen, body, blen, on_leaf, &before, &e, err, sizeof err) == 0) {
        mime_edit_free(&e);
        if (mime_rewrite(h, hlen, body, blen, on_leaf, &changing, &e, err, sizeof err) == 0) {
            if (changing.n != before.n) __builtin_trap();
            if (e.body_changed) {
                check_crlf(&e.body);
                check_read_back(h, hlen, &e, before.n, &before);
            }
            mime_edit_free(&e);
        }
    }
    seen_free(&before);
    check_header_decode(in, size);
    return 0;
}
