/*
 * tplfile_test.c - template files: header block, part markers, bare bodies,
 * errors in file coordinates.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "tplfile.h"

static char err[512];

static struct tplfile *
parse(const char *src)
{
    return tplfile_parse("mail.tpl", src, strlen(src), err, sizeof err);
}

/* Render part p of f against JSON `view`; "" on failure. */
static const char *
part(const struct tplfile *f, enum tplfile_part p, const char *view)
{
    static struct buf out = BUF_INIT;
    struct tpl_error e;
    json_t *v = json_loads(view, 0, NULL);
    buf_reset(&out);
    if (tplfile_render(f, p, v, NULL, &out, &e) < 0) buf_printf(&out, "ERROR %s", e.msg);
    json_decref(v);
    return buf_str(&out);
}

static void
header_block_and_parts_are_split(void)
{
    struct tplfile *f = parse("Subject: Hello {{name}} & co\n"
                              "from: Shop <shop@example.com>\n"
                              "preheader: Your\n"
                              "  weekly news\n"
                              "\n"
                              "--- html\n"
                              "<p>{{name}}</p>\n"
                              "--- text\n"
                              "Hi {{name}}\n");
    ok(f && f->has_header, "parses with a header block");
    if (!f) {
        diag("%s", err);
        return;
    }
    is_str(part(f, TPLFILE_SUBJECT, "{\"name\":\"<Ann>\"}"), "Hello <Ann> & co",
           "header values render as raw text");
    is_str(part(f, TPLFILE_FROM, "{}"), "Shop <shop@example.com>", "from");
    is_str(part(f, TPLFILE_PREHEADER, "{}"), "Your weekly news", "folded lines are joined");
    is_str(part(f, TPLFILE_HTML, "{\"name\":\"<Ann>\"}"), "<p>&lt;Ann&gt;</p>\n",
           "the html part escapes");
    is_str(part(f, TPLFILE_TEXT, "{\"name\":\"<Ann>\"}"), "Hi <Ann>\n", "the text part does not");
    ok(f->part[TPLFILE_REPLY_TO] == NULL, "absent header stays absent");
    like(part(f, TPLFILE_REPLY_TO, "{}"), "has no reply-to part", "rendering it is an error");
    is_int(f->line[TPLFILE_TEXT], 9, "parts know their first line");
    tplfile_free(f);
}

static void
file_without_header_is_one_html_body(void)
{
    struct tplfile *f = parse("Dear {{name}},\n--- not a marker\n");
    ok(f && !f->has_header, "a bare body");
    if (!f) {
        diag("%s", err);
        return;
    }
    is_str(part(f, TPLFILE_HTML, "{\"name\":\"A&B\"}"), "Dear A&amp;B,\n--- not a marker\n",
           "rendered whole, in HTML context");
    tplfile_free(f);
}

static void
unrendered_sources_are_kept(void)
{
    struct tplfile *f = parse("subject: Hello {{name}}\n  and welcome\n\n--- html\n"
                              "<p>{{name}}</p>\n--- text\nHi {{name}}\n");
    ok(f != NULL, "a file with a folded subject parses");
    if (!f) return;
    is_str(f->source[TPLFILE_SUBJECT], "Hello {{name}} and welcome",
           "a header value's source has its continuation joined");
    is_str(f->source[TPLFILE_HTML], "<p>{{name}}</p>\n", "a part's source is kept byte for byte");
    is_int((long long)f->source_len[TPLFILE_TEXT], 12, "with its length");
    ok(f->source[TPLFILE_FROM] == NULL, "an absent piece has no source");
    tplfile_free(f);
}

static void
parts_without_header_are_allowed(void)
{
    struct tplfile *f = parse("--- text\nplain\n");
    ok(f && !f->has_header && f->part[TPLFILE_TEXT] && !f->part[TPLFILE_HTML], "text part only");
    tplfile_free(f);
}

static void
unknown_header_is_an_error_with_line(void)
{
    ok(parse("subject: x\nto: y\n\n--- html\nz") == NULL, "refused");
    like(err, "mail.tpl:2: expected \"subject:\"", "file and line");
}

static void
duplicate_part_is_an_error(void)
{
    ok(parse("subject: x\n\n--- html\na\n--- html\nb") == NULL, "refused");
    is_str(err, "mail.tpl:5: second \"--- html\" part", "names the line");
}

static void
text_before_first_marker_is_an_error(void)
{
    ok(parse("subject: x\n\nstray\n--- html\nz") == NULL, "refused");
    like(err, "mail.tpl:3: expected a \"--- html\"", "names the line");
    ok(parse("subject: x\n") == NULL, "a header alone has no parts");
    like(err, "no parts", "says so");
}

static void
template_errors_are_reported_in_file_coordinates(void)
{
    ok(parse("subject: x\n\n--- html\n<ul>\n  {{#items}}\n</ul>\n") == NULL, "refused");
    is_str(err, "mail.tpl:5:3: section \"items\" is never closed", "file:line:column");
    ok(parse("subject: {{a | nope}}\n\n--- text\nx") == NULL, "header values compile too");
    is_str(err, "mail.tpl:1:16: unknown filter \"nope\"", "the header's line");
}

int
main(void)
{
    header_block_and_parts_are_split();
    file_without_header_is_one_html_body();
    unrendered_sources_are_kept();
    parts_without_header_are_allowed();
    unknown_header_is_an_error_with_line();
    duplicate_part_is_an_error();
    text_before_first_marker_is_an_error();
    template_errors_are_reported_in_file_coordinates();
    return tap_done();
}
