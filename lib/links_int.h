/*
 * links_int.h - what the files of the links module share (not public)
 *
 * The module is split by job:
 *   links.c           the splice run: copies untouched bytes, calls the
 *                     caller's links_fn, writes replacements; escaping
 *   links_url.c       offer policy: which URLs the caller gets to see
 *   links_charref.c   HTML character references in attribute values
 *   links_html_scan.c the forgiving HTML tokenizer (tags and their href)
 *   links_html.c      links_rewrite_html and links_html_body_end
 *   links_text.c      the plain-text URL finder, links_rewrite_text
 *
 * Every pass is linear in its input: scanners only move forward, and the
 * work done per link is bounded by that link's length.
 */
#ifndef TERN_LINKS_INT_H
#define TERN_LINKS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "links.h"

#define LINKS_MAX_DEFAULT 10000u

/* ---- the splice run (links.c) ---- */

/* How a replacement is written where the old URL was. */
enum links_quoting {
    LINKS_RAW,           /* plain text: as the callback returned it */
    LINKS_ATTR_QUOTED,   /* inside existing quotes: escaped */
    LINKS_ATTR_UNQUOTED, /* bare attribute value: escaped inside added double quotes */
};

struct links_run {
    const char *in;
    size_t len;
    size_t copied; /* bytes of `in` already written to out */
    const struct links_opts *opts;
    unsigned max;
    links_fn fn;
    void *ctx;
    struct buf *out;
    struct buf url;  /* the candidate URL, decoded; filled by the finder */
    struct buf repl; /* what the callback returned */
    unsigned offered, replaced;
    bool html;
    char *err;
    size_t errlen;
};

void links_run_init(struct links_run *r, const char *in, size_t len, const struct links_opts *opts,
                    links_fn fn, void *ctx, struct buf *out, char *err, size_t errlen);
/* True while more links may be offered (max_links not reached). */
bool links_run_open(const struct links_run *r);
/*
 * Offer the URL in r->url, found at in[start, stop), to the callback if
 * the policy allows it; splice its replacement in. 0, or -1 with r->err.
 */
int links_run_offer(struct links_run *r, size_t start, size_t stop, enum links_quoting q);
/* Copy the rest of the input; 0 or -1 (out of memory). Frees the scratch buffers. */
int links_run_finish(struct links_run *r, unsigned *nlinks);
void links_run_free(struct links_run *r);
int links_oom(char *err, size_t errlen);

/* ---- offer policy (links_url.c) ---- */

/*
 * True when `url` (len bytes, already trimmed) is an absolute http(s) URL
 * with a plausible host, no template placeholder, no blank or control
 * character, and a host outside `notrack_domains` (may be NULL).
 */
bool links_url_offerable(const char *url, size_t len, const char *notrack_domains);
/* True for the bytes HTML counts as white space (space, tab, LF, FF, CR); inline: the
 * tokenizer asks for every byte of every tag. */
static inline bool
links_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* ---- character references (links_charref.c) ---- */

/*
 * Append the attribute value v[0, len) to `out` with character references
 * decoded as HTML does in attribute values. Sets *unknown when a
 * reference this module cannot decode was seen (the caller then leaves the
 * link alone rather than guess). False on ENOMEM.
 */
bool links_charref_decode(const char *v, size_t len, struct buf *out, bool *unknown);

/* ---- the HTML tokenizer (links_html_scan.c) ---- */

/* A tag as the tokenizer saw it; offsets index the scanned input. */
struct html_tag {
    const char *name; /* not NUL-terminated */
    size_t name_len;
    bool end_tag;
    bool in_conditional;          /* inside <!--[if ...]> ... <![endif]--> */
    size_t start;                 /* offset of '<' */
    size_t stop;                  /* offset just past its '>' */
    bool has_href;                /* the first href attribute, when there is one: */
    size_t href_start, href_stop; /* its value, without quotes */
    char href_quote;              /* '"', '\'' or 0 (unquoted) */
    bool notrack;                 /* carries data-tern-notrack */
};

/* Called for each complete tag in document order; non-zero stops the scan with that value. */
typedef int (*html_tag_fn)(void *ctx, const struct html_tag *t);

/*
 * Tokenize `in` the way mail clients do: comments, <!...> and <?...> are
 * skipped (Outlook conditional comments are entered: their content is
 * markup), raw-text elements (style, script, textarea, title ...) are
 * skipped to their end tag, and a tag cut off by the end of input is not
 * reported. Returns 0 or the first non-zero callback value.
 */
int html_scan(const char *in, size_t len, html_tag_fn fn, void *ctx);
/* ASCII case-insensitive equality of s[0, n) and the C string `lit` (inline: strlen folds). */
static inline bool
links_name_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

#endif
