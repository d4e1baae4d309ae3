/*
 * links_text.c - find and rewrite URLs in plain text (see links.h)
 *
 * SYNOPSIS
 *     links_rewrite_text(in, len, opts, fn, ctx, out, &n, err, errlen)
 *
 * DESCRIPTION
 *     A URL starts with "http://" or "https://" (any case) that does not
 *     continue a word, and runs to the first blank, control character,
 *     '<', '>', '"', or no-break space (U+00A0). Other bytes, percent
 *     signs and UTF-8 alike, belong to it and are offered exactly as they
 *     stand. Then what prose puts after a URL is given back: trailing
 *     . , ; : ! ? and quotes, and a ')' or ']' the URL did not open, so
 *     "(see https://x.example/a)." ends at "a" while
 *     "https://en.wikipedia.org/wiki/Tern_(bird)" stays whole.
 *
 *     Replacements are written as the callback returned them. Scanning
 *     resumes after each URL, so the pass is linear in the input.
 *
 * DIAGNOSTICS
 *     Those of the splice run (links.c).
 */
#include "links_int.h"

#include <string.h>
#include <strings.h>

static bool
is_word_byte(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Does a URL start at in[i]? */
static bool
url_starts(const char *in, size_t len, size_t i)
{
    if (i > 0 && is_word_byte(in[i - 1])) return false;
    size_t left = len - i;
    return (left > 7 && strncasecmp(in + i, "http://", 7) == 0) ||
           (left > 8 && strncasecmp(in + i, "https://", 8) == 0);
}

/* Does the URL end before in[i]? */
static bool
url_stops(const char *in, size_t len, size_t i)
{
    unsigned char c = (unsigned char)in[i];
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"') return true;
    return c == 0xc2 && i + 1 < len && (unsigned char)in[i + 1] == 0xa0;
}

struct parens {
    size_t round, square;             /* unmatched openers seen */
    size_t extra_round, extra_square; /* closers beyond them */
};

static void
count_bracket(struct parens *p, char c)
{
    if (c == '(') p->round++;
    if (c == '[') p->square++;
    if (c == ')' && p->round)
        p->round--;
    else if (c == ')')
        p->extra_round++;
    if (c == ']' && p->square)
        p->square--;
    else if (c == ']')
        p->extra_square++;
}

/*
 * Give back trailing punctuation from u[0, n). A closing bracket goes back
 * only while it is one the URL never opened; the counts tell how many are.
 */
static size_t
trim_tail(const char *u, size_t n, struct parens *p)
{
    while (n) {
        char c = u[n - 1];
        if (strchr(".,;:!?'", c)) {
            n--;
        } else if (c == ')' && p->extra_round) {
            p->extra_round--, n--;
        } else if (c == ']' && p->extra_square) {
            p->extra_square--, n--;
        } else {
            break;
        }
    }
    return n;
}

/* The end of the URL starting at in[i]. */
static size_t
url_end(const char *in, size_t len, size_t i)
{
    struct parens p = {0, 0, 0, 0};
    size_t j = i;
    while (j < len && !url_stops(in, len, j))
        count_bracket(&p, in[j++]);
    return i + trim_tail(in + i, j - i, &p);
}

/*
 * The first URL start at or after `from`, or len. Every URL has "://"
 * four or five bytes after its start, so the search jumps from colon to
 * colon (memchr) instead of looking at every 'h'; the candidates come in
 * the same order a byte-wise scan would meet them.
 */
static size_t
next_url(const char *in, size_t len, size_t from)
{
    for (size_t k = from + 4; k < len;) {
        const char *colon = memchr(in + k, ':', len - k);
        if (!colon) break;
        k = (size_t)(colon - in);
        if (k >= from + 5 && url_starts(in, len, k - 5)) return k - 5; /* https:// */
        if (url_starts(in, len, k - 4)) return k - 4;                  /* http:// */
        k++;
    }
    return len;
}

static int
scan_text(struct links_run *r)
{
    const char *in = r->in;
    size_t i = 0;
    while (links_run_open(r) && (i = next_url(in, r->len, i)) < r->len) {
        size_t stop = url_end(in, r->len, i);
        buf_reset(&r->url);
        if (!buf_append(&r->url, in + i, stop - i)) return links_oom(r->err, r->errlen);
        if (links_run_offer(r, i, stop, LINKS_RAW) < 0) return -1;
        i = stop;
    }
    return 0;
}

int
links_rewrite_text(const char *in, size_t len, const struct links_opts *opts, links_fn fn,
                   void *ctx, struct buf *out, unsigned *nlinks, char *err, size_t errlen)
{
    struct links_run r;
    links_run_init(&r, in, len, opts, fn, ctx, out, err, errlen);
    if (scan_text(&r) < 0) {
        links_run_free(&r);
        return -1;
    }
    return links_run_finish(&r, nlinks);
}
