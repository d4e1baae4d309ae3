/*
 * links_html_scan.c - a forgiving HTML tokenizer that only sees tags
 *
 * SYNOPSIS
 *     html_scan(in, len, on_tag, ctx)
 *
 * DESCRIPTION
 *     Follows the HTML standard's tokenizer where it matters for finding
 *     links, and is forgiving everywhere else, as mail clients are:
 *       <!-- ... -->        skipped (also "<!-->" and "<!--->", and to the
 *                           end of input when unterminated)
 *       <!--[if ...]>       an Outlook conditional comment: the condition
 *                           is skipped and what follows is markup again,
 *                           up to <![endif]--> (or <!--<![endif]-->)
 *       <!...> <?...> </ >  bogus comments, skipped to the next '>'
 *       <name ...>          a start tag: attributes parsed with their
 *                           quoting, the first href and any
 *                           data-tern-notrack recorded
 *       </name ...>         an end tag (attributes parsed, ignored)
 *     After the start tag of a raw-text element (style, script, textarea,
 *     title, xmp, iframe, noembed, noframes) everything up to its end tag
 *     is text, so a link inside a <style> or <script> is never seen.
 *     A tag that the end of input cuts off is not reported: a client would
 *     not render it either.
 *
 *     The scan only moves forward and every search is bounded by what it
 *     skips, so it is linear in the input.
 */
#include "links_int.h"

#include <string.h>
#include <strings.h>

#define CONDITION_MAX 256 /* "<!--[if gte mso 9]>": bytes searched for its "]>" */

struct scan {
    const char *in;
    size_t len;
    size_t depth; /* open conditional comments */
    html_tag_fn fn;
    void *ctx;
};

static bool
is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Does in[at...] start with `lit` (ASCII case-insensitive)? */
static bool
starts(const struct scan *s, size_t at, const char *lit)
{
    size_t n = strlen(lit);
    return n <= s->len - at && strncasecmp(s->in + at, lit, n) == 0;
}

/* Offset just past the first `lit` at or after `at`, or len. */
static size_t
past(const struct scan *s, size_t at, const char *lit)
{
    size_t n = strlen(lit);
    const char *hit = memmem(s->in + at, s->len - at, lit, n);
    return hit ? (size_t)(hit - s->in) + n : s->len;
}

/* ---- comments and their Outlook conditional form ---- */

/* at: just past "<!--[if". The offset past its "]>" when this is a condition, else 0. */
static size_t
condition_end(const struct scan *s, size_t at)
{
    size_t window = s->len - at < CONDITION_MAX ? s->len - at : CONDITION_MAX;
    const char *close = memmem(s->in + at, window, "]>", 2);
    if (!close) return 0;
    size_t n = (size_t)(close - (s->in + at));
    if (memmem(s->in + at, n, "-->", 3)) return 0; /* an ordinary comment ended first */
    return at + n + 2;
}

static void
leave_conditional(struct scan *s)
{
    if (s->depth) s->depth--;
}

/* at: the '<' of "<!--". Returns where scanning resumes. */
static size_t
comment(struct scan *s, size_t at)
{
    size_t body = at + 4;
    if (starts(s, body, "[if")) {
        size_t cond = condition_end(s, body + 3);
        if (cond) {
            s->depth++;
            return cond;
        }
    }
    if (starts(s, body, "<![endif]")) { /* "<!--<![endif]-->" closes a revealed block */
        leave_conditional(s);
        return past(s, body, "-->");
    }
    if (starts(s, body, ">")) return body + 1;
    if (starts(s, body, "->")) return body + 2;
    return past(s, body, "-->");
}

/* at: the '<' of "<!", "<?" or "</" that is not an end tag. */
static size_t
bogus(struct scan *s, size_t at)
{
    if (starts(s, at, "<![endif]")) leave_conditional(s);
    return past(s, at + 2, ">");
}

/* ---- tags ---- */

/* Offset of the first byte at or after `at` that is not white space. */
static size_t
skip_space(const struct scan *s, size_t at)
{
    while (at < s->len && links_is_space((unsigned char)s->in[at]))
        at++;
    return at;
}

/* Length of a tag or attribute name at `at`; stops at space, '/', '>' (and '=' after the first). */
static size_t
name_len(const struct scan *s, size_t at, bool attr)
{
    size_t i = at;
    while (i < s->len) {
        char c = s->in[i];
        if (links_is_space((unsigned char)c) || c == '/' || c == '>') break;
        if (attr && c == '=' && i > at) break;
        i++;
    }
    return i - at;
}

struct value {
    size_t start, stop; /* without quotes */
    char quote;
};

/* at: the first byte of a value. Returns the offset past it; len when cut off (v unset). */
static size_t
attr_value(const struct scan *s, size_t at, struct value *v)
{
    char q = s->in[at];
    if (q == '"' || q == '\'') {
        const char *close = memchr(s->in + at + 1, q, s->len - at - 1);
        if (!close) return s->len;
        *v = (struct value){at + 1, (size_t)(close - s->in), q};
        return v->stop + 1;
    }
    size_t i = at;
    while (i < s->len && !links_is_space((unsigned char)s->in[i]) && s->in[i] != '>')
        i++;
    *v = (struct value){at, i, 0};
    return i;
}

/* One attribute at `at` (not space, not '/', not '>'). Returns the offset after it. */
static size_t
attribute(const struct scan *s, size_t at, struct html_tag *t)
{
    size_t n = name_len(s, at, true);
    bool href = !t->has_href && links_name_is(s->in + at, n, "href");
    if (href) { /* the first href counts, even an empty one */
        t->has_href = true;
        t->href_start = t->href_stop = at + n;
        t->href_quote = 0;
    }
    if (links_name_is(s->in + at, n, "data-tern-notrack")) t->notrack = true;
    size_t i = skip_space(s, at + n);
    if (i >= s->len || s->in[i] != '=') return i; /* no value */
    i = skip_space(s, i + 1);
    if (i >= s->len || s->in[i] == '>') return i; /* "href=>": an empty value */
    struct value v;
    size_t after = attr_value(s, i, &v);
    if (after >= s->len) return s->len; /* cut off: the tag is dropped */
    if (href) {
        t->href_start = v.start;
        t->href_stop = v.stop;
        t->href_quote = v.quote;
    }
    return after;
}

/* at: the first byte after the tag name. Offset past '>', or 0 when cut off. */
static size_t
attributes(const struct scan *s, size_t at, struct html_tag *t)
{
    size_t i = at;
    for (;;) {
        i = skip_space(s, i);
        if (i >= s->len) return 0;
        char c = s->in[i];
        if (c == '>') return i + 1;
        if (c == '/') {
            i++;
            continue;
        }
        i = attribute(s, i, t);
    }
}

/* Elements whose content is text up to their own end tag. */
static const char *const raw_text[] = {
    "style", "script", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
};

static bool
is_raw_text(const struct html_tag *t)
{
    if (t->end_tag) return false;
    for (size_t i = 0; i < sizeof raw_text / sizeof raw_text[0]; i++)
        if (links_name_is(t->name, t->name_len, raw_text[i])) return true;
    return false;
}

/* at: just past the start tag of raw-text element t. Offset of its end tag's '<', or len. */
static size_t
raw_text_end(const struct scan *s, size_t at, const struct html_tag *t)
{
    size_t i = at;
    while (i < s->len) {
        const char *lt = memchr(s->in + i, '<', s->len - i);
        if (!lt) return s->len;
        i = (size_t)(lt - s->in);
        size_t n = t->name_len, after = i + 2 + n;
        if (after <= s->len && s->in[i + 1] == '/' && strncasecmp(s->in + i + 2, t->name, n) == 0 &&
            (after == s->len || links_is_space((unsigned char)s->in[after]) ||
             s->in[after] == '/' || s->in[after] == '>'))
            return i;
        i++;
    }
    return s->len;
}

/* at: the '<' of a tag whose name starts at at + 1 + end_tag. Returns where scanning resumes. */
static size_t
tag(struct scan *s, size_t at, bool end_tag, int *rc)
{
    struct html_tag t;
    memset(&t, 0, sizeof t);
    size_t name = at + 1 + end_tag;
    t.name = s->in + name;
    t.name_len = name_len(s, name, false);
    t.end_tag = end_tag;
    t.start = at;
    t.in_conditional = s->depth > 0;
    size_t after = attributes(s, name + t.name_len, &t);
    if (!after) return s->len; /* cut off by the end of input */
    t.stop = after;
    *rc = s->fn(s->ctx, &t);
    return is_raw_text(&t) ? raw_text_end(s, after, &t) : after;
}

/* at: a '<'. Returns where scanning resumes; *rc set when the callback stopped the scan. */
static size_t
markup(struct scan *s, size_t at, int *rc)
{
    size_t next = at + 1;
    if (next >= s->len) return s->len;
    char c = s->in[next];
    if (is_alpha(c)) return tag(s, at, false, rc);
    if (c == '/' && next + 1 < s->len && is_alpha(s->in[next + 1])) return tag(s, at, true, rc);
    if (starts(s, at, "<!--")) return comment(s, at);
    if (c == '!' || c == '?' || c == '/') return bogus(s, at);
    return next; /* a lone '<' is text */
}

int
html_scan(const char *in, size_t len, html_tag_fn fn, void *ctx)
{
    struct scan s = {in, len, 0, fn, ctx};
    size_t i = 0;
    int rc = 0;
    while (i < len && rc == 0) {
        const char *lt = memchr(in + i, '<', len - i);
        if (!lt) break;
        i = markup(&s, (size_t)(lt - in), &rc);
    }
    return rc;
}
