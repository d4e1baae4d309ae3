/*
 * mime_driver.c - rewrite one message the way the milter does, for outside checks
 *
 *     mime_driver WORD < message > rewritten
 *
 * Reads a message (LF or CRLF), replaces every NAME in each leaf
 * lib/mime offers by WORD, and writes the whole message as the milter
 * would leave it: the header block with the reported Content-Type and
 * Content-Transfer-Encoding applied, an empty line, the new body (or the
 * old one when nothing changed). tests/integration/mime_python.t feeds the
 * result to Python's email package, a parser that shares no code with us.
 *
 * Exit status 0, or 1 with the reason on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "unit/mime_helpers.h"

static int
on_leaf(void *ctx, const struct mime_leaf *leaf, struct buf *out, char *err, size_t errlen)
{
    return mh_replace(leaf->text, leaf->len, "NAME", ctx, out) ? 1 : 0;
}

static bool
read_all(FILE *fp, struct buf *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (!buf_append(b, chunk, n)) return false;
    return !ferror(fp);
}

/* Split at the first empty line: header length and body start. */
static size_t
split(const struct buf *m, const char **body)
{
    const char *d = buf_str(m), *lf = strstr(d, "\n\n"), *crlf = strstr(d, "\r\n\r\n");
    if (crlf && (!lf || crlf < lf)) return *body = crlf + 4, (size_t)(crlf - d) + 2;
    if (lf) return *body = lf + 2, (size_t)(lf - d) + 1;
    return *body = d + m->len, m->len;
}

int
main(int argc, char **argv)
{
    struct buf msg = BUF_INIT, hdr = BUF_INIT;
    struct mime_edit e;
    char err[256];
    const char *body;
    if (argc != 2) {
        fprintf(stderr, "usage: mime_driver WORD < message\n");
        return 1;
    }
    if (!read_all(stdin, &msg)) {
        fprintf(stderr, "mime_driver: cannot read the message\n");
        return 1;
    }
    mime_init();
    size_t hlen = split(&msg, &body);
    size_t blen = msg.len - (size_t)(body - buf_str(&msg));
    if (mime_rewrite(buf_str(&msg), hlen, body, blen, on_leaf, argv[1], &e, err, sizeof err)) {
        fprintf(stderr, "mime_driver: %s\n", err);
        return 1;
    }
    mh_new_headers(buf_str(&msg), hlen, &e, &hdr);
    fwrite(hdr.data, 1, hdr.len, stdout);
    fputs("\n", stdout);
    fwrite(e.body_changed ? e.body.data : body, 1, e.body_changed ? e.body.len : blen, stdout);
    mime_edit_free(&e);
    buf_free(&msg);
    buf_free(&hdr);
    return fflush(stdout) == 0 ? 0 : 1;
}
