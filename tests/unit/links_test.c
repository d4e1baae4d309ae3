/*
 * links_test.c - finding and rewriting links in HTML and plain text
 *
 * The callback under test records every URL it is offered and replaces it
 * with a marker "https://t.example/c/N" (N: the link's index), so a test
 * can see both what was offered and where the replacement went. The
 * newsletter in tests/unit/links/ is a realistic 60 KB-class mail with
 * Outlook buttons, styles and comments; newsletter.urls lists, in order,
 * the URLs it must offer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "links.h"
#include "tap.h"

#define MAX_SEEN 2048
#define MARK     "https://t.example/c/"

enum verdict { REPLACE, KEEP, ABORT };

struct seen {
    enum verdict verdict;
    const char *replacement; /* NULL: the marker */
    char *urls[MAX_SEEN];
    unsigned index[MAX_SEEN];
    bool html[MAX_SEEN];
    unsigned n;
};

static char err[256];

static int
record(void *ctx, const struct link *l, struct buf *out, char *e, size_t elen)
{
    struct seen *s = ctx;
    if (s->n < MAX_SEEN) {
        s->urls[s->n] = strndup(l->url, l->len);
        s->index[s->n] = l->index;
        s->html[s->n] = l->html;
        s->n++;
    }
    if (s->verdict == ABORT) {
        snprintf(e, elen, "stopped at link %u", l->index);
        return -1;
    }
    if (s->verdict == KEEP) {
        buf_puts(out, "https://partial.example/"); /* must be ignored */
        return 0;
    }
    if (s->replacement) return buf_puts(out, s->replacement) ? 1 : -1;
    return buf_printf(out, MARK "%u", l->index) ? 1 : -1;
}

static void
seen_free(struct seen *s)
{
    for (unsigned i = 0; i < s->n && i < MAX_SEEN; i++)
        free(s->urls[i]);
    memset(s, 0, sizeof *s);
}

/* Rewrite `in` with `fn` semantics in *s; returns the output (caller frees) or NULL on error. */
static char *
rewrite(bool html, const char *in, size_t len, const struct links_opts *o, struct seen *s,
        unsigned *n)
{
    struct buf out = BUF_INIT;
    int rc = (html ? links_rewrite_html : links_rewrite_text)(in, len, o, record, s, &out, n, err,
                                                              sizeof err);
    if (rc < 0) {
        buf_free(&out);
        return NULL;
    }
    if (!out.data) return strdup("");
    return out.data;
}

static char *
html(const char *in, struct seen *s)
{
    return rewrite(true, in, strlen(in), NULL, s, NULL);
}

static char *
text(const char *in, struct seen *s)
{
    return rewrite(false, in, strlen(in), NULL, s, NULL);
}

/* The one URL `in` offers (NULL when none or several); s is reset. */
static char *
offered_html(const char *in)
{
    struct seen s = {0};
    free(html(in, &s));
    char *u = s.n == 1 ? strdup(s.urls[0]) : NULL;
    seen_free(&s);
    return u;
}

static char *
offered_text(const char *in)
{
    struct seen s = {0};
    free(text(in, &s));
    char *u = s.n == 1 ? strdup(s.urls[0]) : NULL;
    seen_free(&s);
    return u;
}

/* How many links `in` offers (HTML), with notrack domains `nt`. */
static unsigned
count_html(const char *in, const char *nt)
{
    struct seen s = {0};
    struct links_opts o = {nt, 0};
    free(rewrite(true, in, strlen(in), &o, &s, NULL));
    unsigned n = s.n;
    seen_free(&s);
    return n;
}

static void
is_offered_html(const char *in, const char *want, const char *name)
{
    char *got = offered_html(in);
    is_str(got, want, name);
    free(got);
}

static void
is_rewritten_html(const char *in, const char *want, const char *name)
{
    struct seen s = {0};
    char *got = html(in, &s);
    is_str(got, want, name);
    free(got);
    seen_free(&s);
}

static char *
slurp(const char *rel, size_t *len)
{
    const char *dir = getenv("TERN_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/unit/links/%s", dir ? dir : "..", rel);
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    struct buf b = BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        buf_append(&b, chunk, n);
    fclose(fp);
    *len = b.len;
    return b.data;
}

/* ---- character references ---- */

static void
amp_entity_is_decoded_for_the_callback(void)
{
    is_offered_html("<a href=\"https://x.example/p?a=1&amp;b=2\">x</a>",
                    "https://x.example/p?a=1&b=2", "&amp; reaches the callback as &");
}

static void
amp_entity_kept_when_link_is_kept(void)
{
    const char *in = "<a href=\"https://x.example/p?a=1&amp;b=2\">x</a>";
    struct seen s = {.verdict = KEEP};
    char *got = html(in, &s);
    is_str(got, in, "a kept link keeps its &amp; byte for byte");
    free(got);
    seen_free(&s);
}

static void
numeric_references_are_decoded(void)
{
    is_offered_html("<a href=\"https://x.example/?a=1&#038;b=2\">", "https://x.example/?a=1&b=2",
                    "&#038; decodes to &");
    is_offered_html("<a href=\"https://x.example/?a=1&#x26;b=2&#X26;c\">",
                    "https://x.example/?a=1&b=2&c", "&#x26; and &#X26; decode to &");
    is_offered_html("<a href=\"https://x.example/?a=1&#38b=2\">", "https://x.example/?a=1&b=2",
                    "a numeric reference needs no ';'");
}

static void
legacy_name_before_equals_stays_literal(void)
{
    is_offered_html("<a href=\"https://x.example/?a=1&copy=2\">", "https://x.example/?a=1&copy=2",
                    "&copy= in an attribute is not a reference");
}

static void
unknown_named_reference_leaves_link_alone(void)
{
    is_int(count_html("<a href=\"https://x.example/&notanentity;\">", NULL), 0,
           "an undecodable reference is not guessed at");
}

static void
replacement_is_escaped_for_the_attribute(void)
{
    struct seen s = {.replacement = "https://t.example/c?a=1&b=\"2\"<'>"};
    char *got = html("<a href=\"https://x.example/\">x</a>", &s);
    is_str(got, "<a href=\"https://t.example/c?a=1&amp;b=&quot;2&quot;&lt;&#39;&gt;\">x</a>",
           "& \" < ' > in a replacement are escaped");
    free(got);
    seen_free(&s);
}

/* ---- attribute syntax ---- */

static void
double_quoted_attribute(void)
{
    is_rewritten_html("<a href=\"https://x.example/\">x</a>", "<a href=\"" MARK "0\">x</a>",
                      "double quotes stay double quotes");
}

static void
single_quoted_attribute(void)
{
    is_rewritten_html("<a href='https://x.example/a\"b'>x</a>", "<a href='" MARK "0'>x</a>",
                      "single quotes stay single quotes");
}

static void
unquoted_attribute_gets_double_quotes(void)
{
    is_rewritten_html("<a href=https://x.example/a?b=1 class=c>x</a>",
                      "<a href=\"" MARK "0\" class=c>x</a>", "an unquoted value is quoted");
    is_rewritten_html("<a href=https://x.example/>x</a>", "<a href=\"" MARK "0\">x</a>",
                      "an unquoted value ends at '>'");
}

static void
uppercase_tag_and_attribute(void)
{
    is_rewritten_html("<A HREF=\"https://x.example/\">x</A>", "<A HREF=\"" MARK "0\">x</A>",
                      "<A HREF> is a link");
    is_offered_html("<a href=\"HTTPS://X.example/\">", "HTTPS://X.example/",
                    "an uppercase scheme is http(s)");
}

static void
spaces_around_equals(void)
{
    is_rewritten_html("<a  href = \"https://x.example/\" >x</a>", "<a  href = \"" MARK "0\" >x</a>",
                      "blanks around '=' are allowed and kept");
    is_rewritten_html("<a\nclass=\"b\"\thref=\n'https://x.example/'>x</a>",
                      "<a\nclass=\"b\"\thref=\n'" MARK "0'>x</a>", "line breaks and tabs too");
}

static void
blank_inside_value_trimmed_for_check_but_replaced_whole(void)
{
    struct seen s = {0};
    char *got = html("<a href=\" \n https://x.example/a \">x</a>", &s);
    is_str(got, "<a href=\"" MARK "0\">x</a>", "the whole value is replaced");
    is_str(s.n ? s.urls[0] : NULL, "https://x.example/a", "the callback sees the trimmed URL");
    free(got);
    seen_free(&s);
}

static void
first_href_wins(void)
{
    is_offered_html("<a href=\"https://first.example/\" href=\"https://second.example/\">",
                    "https://first.example/", "a second href is ignored, as browsers do");
    is_int(count_html("<a href href=\"https://second.example/\">", NULL), 0,
           "an empty first href wins too");
}

static void
area_is_a_link(void)
{
    is_offered_html("<map><area shape=rect href=\"https://x.example/area\"></map>",
                    "https://x.example/area", "<area href> is a link");
}

static void
other_elements_are_not_links(void)
{
    is_int(count_html("<link href=\"https://x.example/s.css\"><base href=\"https://x.example/\">"
                      "<img src=\"https://x.example/i.png\"><abbr href=\"https://x.example/\">",
                      NULL),
           0, "<link>, <base>, <img>, <abbr> are not clicked links");
}

/* ---- URLs kept exactly ---- */

static void
percent_encoding_kept_byte_exact(void)
{
    const char *u = "https://x.example/a%20b/%E2%9C%93?q=%3D%26&r=%2f";
    char in[256];
    snprintf(in, sizeof in, "<a href=\"%s\">", u);
    is_offered_html(in, u, "percent-encoding reaches the callback unchanged");
    struct seen s = {.verdict = KEEP};
    char *got = html(in, &s);
    is_str(got, in, "and stays in the document unchanged");
    free(got);
    seen_free(&s);
}

static void
idn_and_non_ascii_path(void)
{
    is_offered_html("<a href=\"https://b\xc3\xbc"
                    "cher.example/stra\xc3\x9f"
                    "e?q=\xe2\x9c\x93\">",
                    "https://b\xc3\xbc"
                    "cher.example/stra\xc3\x9f"
                    "e?q=\xe2\x9c\x93",
                    "UTF-8 host and path are offered byte-exact");
    is_offered_html("<a href=\"https://xn--bcher-kva.example/\">", "https://xn--bcher-kva.example/",
                    "a punycode host is a host");
}

/* ---- where links are found and where not ---- */

static void
vml_in_outlook_conditional_comment(void)
{
    const char *in = "<!--[if mso]>\n"
                     "<v:roundrect xmlns:v=\"urn:schemas-microsoft-com:vml\" "
                     "href=\"https://x.example/button\" style=\"height:40px\" arcsize=\"10%\">\n"
                     "<w:anchorlock/><center>Shop</center></v:roundrect>\n"
                     "<![endif]-->\n"
                     "<!--[if !mso]><!-->"
                     "<a href=\"https://x.example/button\">Shop</a>"
                     "<!--<![endif]-->";
    struct seen s = {0};
    char *got = html(in, &s);
    is_int(s.n, 2, "the VML button and its non-Outlook twin are both offered");
    like(got, "<v:roundrect xmlns:v=\"urn:schemas-microsoft-com:vml\" href=\"" MARK "0\"",
         "the VML href is rewritten inside the conditional comment");
    like(got, "<![endif]-->\n<!--[if !mso]><!--><a href=\"" MARK "1\">",
         "the revealed block's link is rewritten");
    free(got);
    seen_free(&s);
}

static void
conditional_with_version_test(void)
{
    is_offered_html("<!--[if gte mso 9]><v:rect href='https://x.example/r'></v:rect><![endif]-->",
                    "https://x.example/r", "<!--[if gte mso 9]> is entered too");
}

static void
links_in_comments_untouched(void)
{
    is_int(count_html("<!-- <a href=\"https://x.example/\">old</a> -->", NULL), 0,
           "a link in an ordinary comment is not offered");
    is_int(count_html("<!-- [if mso]> <a href=\"https://x.example/\"> -->", NULL), 0,
           "a comment that merely mentions [if is ordinary");
    is_int(count_html("<!--> <a href=\"https://x.example/\">", NULL), 1,
           "\"<!-->\" is an empty comment: what follows is markup");
    is_int(count_html("<!-- unterminated <a href=\"https://x.example/\">", NULL), 0,
           "an unterminated comment runs to the end");
}

static void
links_in_raw_text_elements_untouched(void)
{
    is_int(count_html("<style>a[href=\"https://x.example/\"]{} /* <a href=\"https://x.example/\">"
                      " */</style>",
                      NULL),
           0, "<style> content is not markup");
    is_int(count_html("<script>document.write('<a href=\"https://x.example/\">')</script>", NULL),
           0, "<script> content is not markup");
    is_int(count_html("<textarea><a href=\"https://x.example/\"></textarea>", NULL), 0,
           "<textarea> content is not markup");
    is_int(count_html("<TITLE><a href=\"https://x.example/\"></TITLE>", NULL), 0,
           "<title> content is not markup, in any case");
    is_int(count_html("<style>p{}</style ><a href=\"https://x.example/after\">", NULL), 1,
           "markup resumes after </style >");
    is_int(count_html("<style>p{}</styles><a href=\"https://x.example/\"></style>", NULL), 0,
           "</styles> does not end a <style>");
}

static void
unsafe_or_foreign_links_untouched(void)
{
    static const char *const hrefs[] = {
        "mailto:a@x.example",
        "tel:+3212345678",
        "#top",
        "/relative/path",
        "relative.html",
        "//x.example/protocol-relative",
        "ftp://x.example/",
        "javascript:alert(1)",
        "https://",
        "https:///path",
        "https://x exa.example/",
        "https://x.example/a b",
        "https://x.example/\x01",
        "https://x.example:80a/",
        "http:x.example",
        "https://x.example/?u={{contact.id}}",
        "https://x.example/?u=*|EMAIL|*",
        "https://x.example/?u=%%email%%",
        "https://x.example/?u=%7B%7Bcontact.id%7D%7D",
        "",
    };
    for (size_t i = 0; i < sizeof hrefs / sizeof hrefs[0]; i++) {
        char in[256];
        snprintf(in, sizeof in, "<a href=\"%s\">x</a>", hrefs[i]);
        struct seen s = {0};
        char *got = html(in, &s);
        ok(s.n == 0 && got && strcmp(got, in) == 0, "\"%s\" is neither offered nor changed",
           hrefs[i]);
        free(got);
        seen_free(&s);
    }
}

static void
ports_userinfo_and_ipv6_are_hosts(void)
{
    is_int(count_html("<a href=\"https://x.example:8443/\"><a href=\"http://u:p@x.example/\">"
                      "<a href=\"http://[2001:db8::1]:8080/\"><a href=\"https://x.example?q\">",
                      NULL),
           4, "port, userinfo, IPv6 literal and a query right after the host");
}

static void
notrack_attribute(void)
{
    is_int(count_html("<a data-tern-notrack href=\"https://x.example/\">", NULL), 0,
           "data-tern-notrack before href");
    is_int(count_html("<a href=\"https://x.example/\" DATA-TERN-NOTRACK=\"1\">", NULL), 0,
           "data-tern-notrack after href, any case, with a value");
    is_int(count_html("<a href=\"https://x.example/\" data-tern-notracked>", NULL), 1,
           "a longer attribute name is not the marker");
}

static void
notrack_domains_and_subdomains(void)
{
    const char *nt = "example.com, *.shop.example ,.partner.example";
    is_int(count_html("<a href=\"https://example.com/\">", nt), 0, "the domain itself");
    is_int(count_html("<a href=\"https://WWW.Example.COM./a\">", nt), 0,
           "a subdomain, any case, trailing dot");
    is_int(count_html("<a href=\"https://a.b.shop.example:443/\">", nt), 0,
           "a deeper subdomain with a port, entry written *.domain");
    is_int(count_html("<a href=\"https://partner.example/\">", nt), 0,
           "an entry written .domain covers the domain");
    is_int(count_html("<a href=\"https://notexample.com/\">", nt), 1,
           "notexample.com is not below example.com");
    is_int(count_html("<a href=\"https://example.com.evil.example/\">", nt), 1,
           "example.com.evil.example is not below example.com");
    is_int(count_html("<a href=\"https://evil.example/?r=https://example.com/\">", nt), 1,
           "only the host counts, not the query");
    is_int(count_html("<a href=\"https://example.com@evil.example/\">", nt), 1,
           "userinfo is not the host");
}

/* ---- the splice ---- */

/*
 * Undo the markers: `out` must be `in` with each replaced value swapped for
 * a marker (in double quotes the rewriter added when the value had none).
 */
static bool
identical_outside_links(const char *in, const char *out, unsigned n)
{
    const char *o = out, *i = in;
    for (unsigned k = 0; k < n; k++) {
        char mark[64];
        snprintf(mark, sizeof mark, MARK "%u", k);
        const char *m = strstr(o, mark);
        if (!m) return false;
        size_t seg = (size_t)(m - o);
        bool quoted = strncmp(i, o, seg) != 0; /* then only by an added quote */
        if (quoted && (!seg || o[seg - 1] != '"' || strncmp(i, o, --seg) != 0)) return false;
        i += seg; /* the old value starts here in the input */
        o = m + strlen(mark);
        if (quoted && *o++ != '"') return false;
        char next[32]; /* the bytes after the value, up to the next marker: find them */
        const char *m2 = strstr(o, MARK);
        size_t nl = strnlen(o, sizeof next - 1);
        if (m2 && (size_t)(m2 - o) < nl) nl = (size_t)(m2 - o);
        memcpy(next, o, nl);
        next[nl] = '\0';
        const char *resume = nl ? strstr(i, next) : i + strlen(i);
        if (!resume) return false;
        i = resume;
    }
    return strcmp(i, o) == 0;
}

static void
newsletter_offers_its_links_in_order(void)
{
    size_t len, ulen;
    char *in = slurp("newsletter.html", &len), *urls = slurp("newsletter.urls", &ulen);
    if (!ok(in && urls, "newsletter.html and newsletter.urls are readable")) goto out;
    struct seen s = {0};
    unsigned n = 0;
    char *got = rewrite(true, in, len, NULL, &s, &n);
    struct buf list = BUF_INIT;
    for (unsigned k = 0; k < s.n; k++)
        buf_printf(&list, "%s\n", s.urls[k]);
    is_str(buf_str(&list), urls, "the URLs offered are newsletter.urls, in document order");
    is_int(n, s.n, "every offered link was replaced");
    ok(got && identical_outside_links(in, got, n),
       "every byte outside the replaced URLs is identical");
    buf_free(&list);
    free(got);
    seen_free(&s);
out:
    free(in);
    free(urls);
}

static void
index_numbers_in_document_order(void)
{
    struct seen s = {0};
    free(html("<a href=\"https://a.example/\"><a href=\"mailto:x@y\"><area href=\"https://b."
              "example/\"><!--[if mso]><v:oval href=\"https://c.example/\"/><![endif]-->",
              &s));
    ok(s.n == 3 && s.index[0] == 0 && s.index[1] == 1 && s.index[2] == 2,
       "offered links are numbered 0, 1, 2 in document order, skipping what is not offered");
    ok(s.n == 3 && s.html[0] && s.html[2], "links found in HTML say so");
    seen_free(&s);
}

static void
callback_zero_keeps_bytes(void)
{
    const char *in = "<p>A <a href=https://a.example/x?y=1&amp;z>b</a> c "
                     "<a href='https://b.example/'>d</a></p>";
    struct seen s = {.verdict = KEEP};
    unsigned n = 99;
    char *got = rewrite(true, in, strlen(in), NULL, &s, &n);
    is_str(got, in, "links the callback keeps stay byte-identical (no quotes added)");
    is_int(n, 0, "and are not counted as replaced");
    is_int(s.n, 2, "though both were offered");
    free(got);
    seen_free(&s);
}

static void
callback_minus_one_aborts_with_its_error(void)
{
    struct seen s = {.verdict = ABORT};
    struct buf out = BUF_INIT;
    err[0] = '\0';
    const char *in = "<a href=\"https://a.example/\"><a href=\"https://b.example/\">";
    int rc = links_rewrite_html(in, strlen(in), NULL, record, &s, &out, NULL, err, sizeof err);
    is_int(rc, -1, "the rewrite fails");
    is_str(err, "stopped at link 0", "with the callback's reason");
    is_int(s.n, 1, "and offers nothing after the abort");
    buf_free(&out);
    seen_free(&s);
    s.verdict = ABORT;
    rc = links_rewrite_text("see https://a.example/", 22, NULL, record, &s, &out, NULL, err,
                            sizeof err);
    ok(rc == -1 && strcmp(err, "stopped at link 0") == 0, "the text rewrite aborts the same way");
    buf_free(&out);
    seen_free(&s);
}

/* ---- size and limits ---- */

static double
seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
very_long_line(void)
{
    size_t len = 1 << 20;
    char *in = malloc(len + 1);
    if (!in) return;
    memset(in, 'x', len);
    memcpy(in, "<p>", 3);
    const char *a = "<a href=\"https://x.example/long\">";
    memcpy(in + len / 2, a, strlen(a));
    in[len] = '\0';
    struct seen s = {0};
    double t0 = seconds();
    char *got = rewrite(true, in, len, NULL, &s, NULL);
    ok(got && s.n == 1 && strlen(got) == len - strlen("https://x.example/long") + strlen(MARK "0"),
       "a 1 MB line without a line break is rewritten");
    free(got);
    seen_free(&s);
    memset(in, '<', len); /* only tag openers: a worst case for the tokenizer */
    got = rewrite(true, in, len, NULL, &s, NULL);
    is_str(got ? (strcmp(got, in) == 0 ? "same" : "changed") : NULL, "same",
           "1 MB of '<' passes unchanged");
    free(got);
    memset(in, 'h', len); /* a worst case for the text finder */
    got = rewrite(false, in, len, NULL, &s, NULL);
    ok(got && strcmp(got, in) == 0, "1 MB of 'h' passes unchanged as text");
    free(got);
    double took = seconds() - t0;
    ok(took < 5.0, "and all three take linear time (%.3f s)", took);
    seen_free(&s);
    free(in);
}

static char *
many_links(bool as_html, unsigned n)
{
    struct buf b = BUF_INIT;
    for (unsigned i = 0; i < n; i++)
        buf_printf(&b,
                   as_html ? "<p><a href=\"https://x.example/%u?a=1&amp;b=2\">%u</a></p>\n"
                           : "Link %u: https://x.example/%u.\n",
                   i, i);
    return b.data;
}

static void
thousand_links(void)
{
    char *in = many_links(true, 1000);
    struct seen s = {0};
    unsigned n = 0;
    char *got = rewrite(true, in, strlen(in), NULL, &s, &n);
    ok(n == 1000 && s.n == 1000 && s.index[999] == 999, "1,000 HTML links are all replaced");
    ok(got && identical_outside_links(in, got, n), "with every other byte kept");
    free(got);
    free(in);
    seen_free(&s);
    in = many_links(false, 1000);
    got = rewrite(false, in, strlen(in), NULL, &s, &n);
    ok(n == 1000 && s.n == 1000 && strcmp(s.urls[999], "https://x.example/999") == 0,
       "1,000 text links are all replaced, without their full stops");
    ok(got && identical_outside_links(in, got, n), "with every other byte kept");
    free(got);
    free(in);
    seen_free(&s);
}

static void
max_links_honoured(void)
{
    char *in = many_links(true, 10);
    struct seen s = {0};
    struct links_opts o = {NULL, 3};
    unsigned n = 0;
    char *got = rewrite(true, in, strlen(in), &o, &s, &n);
    is_int(s.n, 3, "max_links = 3 offers three links");
    ok(n == 3 && got && strstr(got, "https://x.example/3?a=1&amp;b=2"),
       "the fourth and later links stay as they were");
    free(got);
    free(in);
    seen_free(&s);
    in = many_links(false, 10);
    free(rewrite(false, in, strlen(in), &o, &s, &n));
    is_int(s.n, 3, "max_links holds for text too");
    free(in);
    seen_free(&s);
}

/* ---- broken input ---- */

static void
truncated_and_garbage_html(void)
{
    static const char *const bad[] = {
        "<a href=\"https://x.example/",
        "<a href=\"https://x.example/\"",
        "<a href=https://x.example/",
        "<a href=",
        "<a href",
        "<a",
        "<",
        "</",
        "<!--",
        "<!--[if mso]>",
        "<!--[if",
        "<![endif]",
        "<style>",
        "<script>x",
        "<a href='https://x.example/>",
        "<<<a href=\"https://x.example/\"",
        "\0<a\0href=\"\0\">",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct seen s = {0};
        size_t len = strlen(bad[i]) ? strlen(bad[i]) : 12;
        char *got = rewrite(true, bad[i], len, NULL, &s, NULL);
        ok(got && s.n == 0 && memcmp(got, bad[i], len) == 0,
           "cut-off or garbage input \"%s\" passes unchanged, no link offered", bad[i]);
        free(got);
        seen_free(&s);
    }
}

static void
unterminated_quote_swallows_the_rest(void)
{
    is_int(count_html("<a title=\"oops href=\"https://x.example/\">x</a><p>more", NULL), 0,
           "a value whose quote never closes hides the rest, as in a browser");
}

/* ---- body end ---- */

static void
body_end_is_last_body_tag(void)
{
    const char *in = "<html><body><p>x</p><!-- </body> --></body ></html>";
    is_int(links_html_body_end(in, strlen(in)), strstr(in, "</body >") - in,
           "the last </body> outside comments");
    const char *h = "<html><p>x</p></HTML>\n";
    is_int(links_html_body_end(h, strlen(h)), strstr(h, "</HTML>") - h, "else the last </html>");
    const char *none = "<p>x</p>";
    is_int(links_html_body_end(none, strlen(none)), strlen(none), "else the end");
    const char *mso = "<body>x</body><!--[if mso]></body><![endif]-->";
    is_int(links_html_body_end(mso, strlen(mso)), strstr(mso, "</body>") - mso,
           "not a </body> only Outlook sees");
    const char *scr = "<body><script>'</body>'</script></body>";
    is_int(links_html_body_end(scr, strlen(scr)), strrchr(scr, '<') - scr,
           "not a </body> inside a script");
}

static void
body_start_is_after_first_body_tag(void)
{
    const char *in = "<html><!-- <body> --><body class=\"a>b\"><p>x</p><body>";
    is_int(links_html_body_start(in, strlen(in)), strstr(in, "<p>") - in,
           "just past the first <body ...> outside comments, quoted '>' included");
    const char *h = "<HTML><head><title>t</title></head ><p>x</p>";
    is_int(links_html_body_start(h, strlen(h)), strstr(h, "<p>") - h, "else past the </head>");
    const char *html = "<html lang=\"en\"><p>x</p>";
    is_int(links_html_body_start(html, strlen(html)), strstr(html, "<p>") - html,
           "else past the <html>");
    const char *none = "<p>x</p>";
    is_int(links_html_body_start(none, strlen(none)), 0, "else the start");
    const char *mso = "<!--[if mso]><body><![endif]--><body>x";
    is_int(links_html_body_start(mso, strlen(mso)), strrchr(mso, '>') + 1 - mso,
           "not a <body> only Outlook sees");
}

/* The marks the rewrite reports, checked against a scan of its output. */
static void
marks_while_rewriting(const char *in, const char *what)
{
    struct seen s = {.replacement = "https://t.example/c/a-much-longer-token?x=1&y=\"2\""};
    struct buf out = BUF_INIT;
    struct links_html_marks got, want;
    buf_puts(&out, "kept<body>");
    int rc = links_rewrite_html_marked(in, strlen(in), NULL, record, &s, &out, NULL, &got, err,
                                       sizeof err);
    links_html_marks(out.data + 10, out.len - 10, &want);
    ok(rc == 0 && s.n > 0 && got.body_start == want.body_start + 10 &&
           got.body_end == want.body_end + 10,
       "%s", what);
    buf_free(&out);
    seen_free(&s);
}

static void
marks_found_while_rewriting_are_those_of_the_result(void)
{
    marks_while_rewriting("<html><head><a href=https://x.example/h>h</a></head><body>"
                          "<a href='https://x.example/a'>a</a><p>t</p></body></html>",
                          "links before and after <body>, none after </body>");
    marks_while_rewriting("<html><a href=\"https://x.example/a\">a</a></html>"
                          "<a href=\"https://x.example/b\">b</a>",
                          "no <body>: past <html>, before the last </html>, a link after it");
    marks_while_rewriting("<a href=\"https://x.example/a\">a</a><!--[if mso]><body></body>"
                          "<v:rect href=\"https://x.example/v\"></v:rect><![endif]-->",
                          "only Outlook's markup: the start and the end of the output");
    marks_while_rewriting("<body><a href=https://x.example/a>a</a></body>"
                          "<a href=https://x.example/b>b</a></body >",
                          "the last of two </body>, after a link");
}

static void
attr_escape_escapes_five_characters(void)
{
    struct buf b = BUF_INIT;
    links_attr_escape(&b, "a&b<c>d\"e'f\xc3\xa9", 13);
    is_str(buf_str(&b), "a&amp;b&lt;c&gt;d&quot;e&#39;f\xc3\xa9", "& < > \" ' escaped, UTF-8 kept");
    buf_free(&b);
}

/* ---- plain text ---- */

static void
text_trailing_punctuation_not_swallowed(void)
{
    static const char *const tails[] = {".", ",", ")", ">",  "\"", "'",   ";",
                                        ":", "!", "?", ").", "'.", "...", "!)"};
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        char in[128];
        snprintf(in, sizeof in, "Visit https://x.example/a/b?c=1%s Thanks", tails[i]);
        char *got = offered_text(in), name[64];
        snprintf(name, sizeof name, "a text URL followed by %s ends before it", tails[i]);
        is_str(got, "https://x.example/a/b?c=1", name);
        free(got);
    }
}

static void
text_url_in_angle_brackets_and_parens(void)
{
    struct seen s = {0};
    char *got = text("<https://x.example/a> and (https://x.example/b) and "
                     "\"https://x.example/c\"",
                     &s);
    is_str(got, "<" MARK "0> and (" MARK "1) and \"" MARK "2\"",
           "<...>, (...) and \"...\" keep their brackets and quotes");
    free(got);
    seen_free(&s);
}

static void
text_balanced_parens_kept(void)
{
    char *got = offered_text("See https://en.wikipedia.org/wiki/Tern_(bird).");
    is_str(got, "https://en.wikipedia.org/wiki/Tern_(bird)", "a ')' the URL opened stays");
    free(got);
    got = offered_text("(see https://en.wikipedia.org/wiki/Tern_(bird))");
    is_str(got, "https://en.wikipedia.org/wiki/Tern_(bird)", "only the unmatched ')' goes");
    free(got);
}

static void
text_percent_and_non_ascii_byte_exact(void)
{
    const char *u = "https://b\xc3\xbc"
                    "cher.example/%E2%9C%93/stra\xc3\x9f"
                    "e";
    char in[128];
    snprintf(in, sizeof in, "Hier: %s\n", u);
    char *got = offered_text(in);
    is_str(got, u, "percent-encoding and UTF-8 are offered as they stand");
    free(got);
    struct seen s = {.verdict = KEEP};
    got = text(in, &s);
    is_str(got, in, "and kept as they stand");
    free(got);
    seen_free(&s);
}

static void
text_stops_at_no_break_space(void)
{
    char *got = offered_text("https://x.example/a\xc2\xa0next");
    is_str(got, "https://x.example/a", "U+00A0 ends a URL");
    free(got);
}

static void
text_ignores_non_links(void)
{
    struct seen s = {0};
    const char *in = "mailto:a@x.example tel:+32 www.x.example xhttps://x.example/ "
                     "https:// http://{{contact.id}}.example/ https://x.example/*|ID|*";
    char *got = text(in, &s);
    ok(s.n == 0 && got && strcmp(got, in) == 0,
       "mailto, tel, bare www, a scheme inside a word, no host and placeholders are left alone");
    free(got);
    seen_free(&s);
}

static void
text_urls_found_among_colons(void)
{
    struct seen s = {0};
    free(text("https://a.example/1 re: see:http://b.example:8080/2 x:y http:/no "
              "ftp://no.example https://c.example/3?t=1:2 http://d.example",
              &s));
    ok(s.n == 4 && strcmp(s.urls[0], "https://a.example/1") == 0 &&
           strcmp(s.urls[1], "http://b.example:8080/2") == 0 &&
           strcmp(s.urls[2], "https://c.example/3?t=1:2") == 0 &&
           strcmp(s.urls[3], "http://d.example") == 0,
       "URLs at the start, after a colon, with colons inside and at the very end, in order");
    seen_free(&s);
}

static void
text_links_numbered_and_marked_text(void)
{
    struct seen s = {0};
    unsigned n = 0;
    free(rewrite(false, "a http://a.example b HTTPS://b.example/", 39, NULL, &s, &n));
    ok(s.n == 2 && s.index[1] == 1 && !s.html[0] && n == 2,
       "text links are numbered in order and marked as not HTML");
    seen_free(&s);
}

static void
text_notrack_domains(void)
{
    struct seen s = {0};
    struct links_opts o = {"example.com", 0};
    free(rewrite(false, "https://www.example.com/ https://notexample.com/", 48, &o, &s, NULL));
    ok(s.n == 1 && strcmp(s.urls[0], "https://notexample.com/") == 0,
       "notrack domains hold in text");
    seen_free(&s);
}

static void
empty_input(void)
{
    struct seen s = {0};
    struct buf out = BUF_INIT;
    unsigned n = 7;
    int rc = links_rewrite_html("", 0, NULL, record, &s, &out, &n, err, sizeof err);
    ok(rc == 0 && out.len == 0 && n == 0, "empty HTML gives empty output");
    rc = links_rewrite_text("", 0, NULL, record, &s, &out, &n, err, sizeof err);
    ok(rc == 0 && out.len == 0 && n == 0, "empty text gives empty output");
    buf_free(&out);
}

int
main(void)
{
    amp_entity_is_decoded_for_the_callback();
    amp_entity_kept_when_link_is_kept();
    numeric_references_are_decoded();
    legacy_name_before_equals_stays_literal();
    unknown_named_reference_leaves_link_alone();
    replacement_is_escaped_for_the_attribute();
    double_quoted_attribute();
    single_quoted_attribute();
    unquoted_attribute_gets_double_quotes();
    uppercase_tag_and_attribute();
    spaces_around_equals();
    blank_inside_value_trimmed_for_check_but_replaced_whole();
    first_href_wins();
    area_is_a_link();
    other_elements_are_not_links();
    percent_encoding_kept_byte_exact();
    idn_and_non_ascii_path();
    vml_in_outlook_conditional_comment();
    conditional_with_version_test();
    links_in_comments_untouched();
    links_in_raw_text_elements_untouched();
    unsafe_or_foreign_links_untouched();
    ports_userinfo_and_ipv6_are_hosts();
    notrack_attribute();
    notrack_domains_and_subdomains();
    newsletter_offers_its_links_in_order();
    index_numbers_in_document_order();
    callback_zero_keeps_bytes();
    callback_minus_one_aborts_with_its_error();
    very_long_line();
    thousand_links();
    max_links_honoured();
    truncated_and_garbage_html();
    unterminated_quote_swallows_the_rest();
    body_end_is_last_body_tag();
    body_start_is_after_first_body_tag();
    marks_found_while_rewriting_are_those_of_the_result();
    attr_escape_escapes_five_characters();
    text_trailing_punctuation_not_swallowed();
    text_url_in_angle_brackets_and_parens();
    text_balanced_parens_kept();
    text_percent_and_non_ascii_byte_exact();
    text_stops_at_no_break_space();
    text_ignores_non_links();
    text_urls_found_among_colons();
    text_links_numbered_and_marked_text();
    text_notrack_domains();
    empty_input();
    return tap_done();
}
