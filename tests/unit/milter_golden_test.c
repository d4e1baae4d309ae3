/*
 * milter_golden_test.c - whole messages through the milter, byte for byte
 *
 * Each tests/golden/milter/NAME.eml goes through the full callback
 * sequence (the in-process MTA of milter_harness.c) for one recipient
 * whose contact is Zoë (id 42), and the message as it would be delivered
 * (headers after the edits, then the body) must equal NAME.out exactly.
 * Tokens are deterministic for a fixed key and X-Tern-Message, so any
 * byte that changes is a behaviour change to review. After an intended
 * change, regenerate with TERN_GOLDEN_UPDATE=1 and read the diff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "milter_harness.h"
#include "rewrite.h"
#include "tap.h"

#define KEY "k1:dGVybi10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2hpams="

static const char *const cases[] = {"newsletter", "order", "html8bit", "signed", "latin"};

static const struct milter_deps deps = {
    .contact = hx_contact_zoe, .record = hx_no_record, .process = rw_process};

/* The delivered form of golden/milter/NAME.eml into `out`. */
static bool
deliver(const char *name, struct buf *out)
{
    struct buf in = BUF_INIT, text = BUF_INIT, errors = BUF_INIT;
    char path[256], err[256];
    snprintf(path, sizeof path, "tests/golden/milter/%s.eml", name);
    bool ok = hx_read_file(path, &in);
    buf_puts(&text, "[database]\nurl = postgresql:///tern\n[keys]\nhmac = " KEY "\n"
                    "[track]\nbase_url = https://t.example.com\n");
    struct config *cfg = config_load_string("golden.conf", buf_str(&text), &errors);
    HX h;
    hx_init(&h);
    milter_shell_set_gen(milter_gen_new(cfg, &deps, err, sizeof err));
    config_unref(cfg);
    static const char *rcpt[] = {"<zoe@example.org>", NULL};
    if (ok) hx_transaction(&h, "127.0.0.1", "<news@example.com>", rcpt, in.data, in.len);
    hx_delivered(&h, out);
    ok = ok && h.violations == 0;
    hx_close(&h);
    hx_free(&h);
    buf_free(&in);
    buf_free(&text);
    buf_free(&errors);
    return ok;
}

static void
write_golden(const char *path, const struct buf *b)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(b->data, 1, b->len, f);
        fclose(f);
    }
    diag("wrote %s", path);
}

/* Where the two differ first, for the failure message. */
static void
show_difference(const struct buf *got, const struct buf *want)
{
    size_t i = 0;
    while (i < got->len && i < want->len && got->data[i] == want->data[i])
        i++;
    size_t from = i > 40 ? i - 40 : 0;
    diag("first difference at byte %zu (got %zu bytes, want %zu)", i, got->len, want->len);
    diag("got:  ...%.*s",
         (int)(got->len > from ? (got->len - from < 120 ? got->len - from : 120) : 0),
         got->data ? got->data + from : "");
    diag("want: ...%.*s",
         (int)(want->len > from ? (want->len - from < 120 ? want->len - from : 120) : 0),
         want->data ? want->data + from : "");
}

static void
golden(const char *name)
{
    struct buf got = BUF_INIT, want = BUF_INIT;
    char path[256], title[128];
    snprintf(path, sizeof path, "tests/golden/milter/%s.out", name);
    snprintf(title, sizeof title, "%s.eml is delivered exactly as %s.out", name, name);
    bool delivered = deliver(name, &got);
    if (getenv("TERN_GOLDEN_UPDATE")) {
        char full[4096];
        const char *root = getenv("TERN_SRCDIR");
        snprintf(full, sizeof full, "%s/%s", root ? root : ".", path);
        write_golden(full, &got);
    }
    bool same = delivered && hx_read_file(path, &want) && got.len == want.len &&
                memcmp(got.data, want.data, got.len) == 0;
    ok(same, "%s", title);
    if (!same) show_difference(&got, &want);
    buf_free(&got);
    buf_free(&want);
}

int
main(void)
{
    mime_init();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        golden(cases[i]);
    milter_shell_set_gen(NULL);
    return tap_done();
}
