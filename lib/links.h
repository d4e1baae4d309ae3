/*
 * links.h - find and rewrite links in HTML and plain-text bodies
 *
 * Owns: a forgiving HTML tokenizer that finds link attributes the way mail
 * clients do (<a href>, <area href>, and VML href in Outlook conditional
 * comments), the plain-text URL finder, and splicing: every byte that is
 * not a replaced URL stays exactly as it was. The caller decides what a
 * link becomes (links_fn); this module knows nothing of tokens, MIME or
 * milters.
 *
 * What is offered to the callback: absolute http:// and https:// URLs only,
 * with HTML character references decoded (&amp; -> &, &#038; -> &) and
 * leading and trailing blanks trimmed, so the callback sees the real URL;
 * what it returns replaces the whole attribute value, escaped again for
 * the quotes it goes into (an unquoted value gets double quotes). A link
 * holding a character reference this module cannot decode, or any blank
 * or control character, is not offered. Never offered: mailto:, tel:, #fragments,
 * relative and unparseable URLs, URLs holding template placeholders
 * ({{...}}, *|...|*, %%...%%), links marked data-tern-notrack, domains of
 * links_opts.notrack_domains (and their subdomains), anything inside
 * <style>, <script>, <textarea>, <title> or ordinary comments.
 *
 * Plain text: the finder stops before trailing '.', ',', ';', ':', '!',
 * '?', quotes, '>' and unbalanced ')' so "see https://x.example/a)." keeps
 * its punctuation; <https://...> and "(https://...)" work.
 *
 * Every pass is linear in the input. The user-facing rules are in
 * doc/links.md; the implementation is split by job (lib/links_int.h).
 *
 * Depends on: lib/buf.
 */
#ifndef TERN_LINKS_H
#define TERN_LINKS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* One link as the callback sees it. */
struct link {
    const char *url; /* decoded, NUL-terminated; valid during the callback */
    size_t len;
    unsigned index; /* 0, 1, 2 ... in order of appearance among offered links */
    bool html;      /* found in HTML (else plain text) */
};

/*
 * Return 1 with the replacement URL (plain, unescaped) appended to `out` to
 * replace the link, 0 to leave it byte-identical, -1 to abort the rewrite
 * with `err` filled.
 */
typedef int (*links_fn)(void *ctx, const struct link *l, struct buf *out, char *err, size_t errlen);

struct links_opts {
    const char *notrack_domains; /* comma-separated; NULL: none */
    unsigned max_links;          /* offer at most this many (0: 10000) */
};

/*
 * Rewrite `in` (HTML) into `out` (appended). *nlinks (may be NULL) is the
 * number of links replaced. 0, or -1 with a reason (callback abort, out of
 * memory); `out` is then unspecified.
 */
int links_rewrite_html(const char *in, size_t len, const struct links_opts *opts, links_fn fn,
                       void *ctx, struct buf *out, unsigned *nlinks, char *err, size_t errlen);

/* The same for plain text. */
int links_rewrite_text(const char *in, size_t len, const struct links_opts *opts, links_fn fn,
                       void *ctx, struct buf *out, unsigned *nlinks, char *err, size_t errlen);

/* Where markup may go in an HTML document (offsets, see the two functions below). */
struct links_html_marks {
    size_t body_start; /* as links_html_body_start() gives it */
    size_t body_end;   /* as links_html_body_end() gives it */
};

/*
 * links_rewrite_html, and in `marks` (may be NULL) where the visible
 * document starts and ends in the result, as offsets into `out` (which
 * counts what `out` held before): found in the same scan, exactly what the
 * two functions below would find in the result.
 */
int links_rewrite_html_marked(const char *in, size_t len, const struct links_opts *opts,
                              links_fn fn, void *ctx, struct buf *out, unsigned *nlinks,
                              struct links_html_marks *marks, char *err, size_t errlen);

/* Both marks of `in` in one scan. */
void links_html_marks(const char *in, size_t len, struct links_html_marks *marks);

/*
 * Offset at which to insert markup at the end of the visible document: the
 * start of the last </body> tag outside comments, else of the last </html>,
 * else `len`. Used for the open pixel and the honeypot link.
 */
size_t links_html_body_end(const char *in, size_t len);

/*
 * Offset at which to insert markup at the top of the visible document:
 * just past the first <body ...> tag outside comments, else past the first
 * </head>, else past the first <html ...>, else 0. Used for a preheader.
 */
size_t links_html_body_start(const char *in, size_t len);

/* Append `s` escaped for a double-quoted HTML attribute (& < > " '). */
void links_attr_escape(struct buf *out, const char *s, size_t len);

#endif
