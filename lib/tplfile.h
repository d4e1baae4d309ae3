/*
 * tplfile.h - template files: a header block, then an HTML and a text part
 *
 * Owns: the on-disk form of one message template (doc/templates.md):
 *
 *     subject: Your order {{order.id}} has shipped
 *     from: Shop <shop@example.com>
 *     preheader: It is on its way, {{contact.first_name | default: "friend"}}
 *
 *     --- html
 *     <p>Hello {{contact.first_name}}</p>
 *     --- text
 *     Hello {{contact.first_name}}
 *
 * The header block holds known keys only (subject, from, reply-to,
 * preheader), one per line, RFC 822 style: a line starting with a blank
 * continues the previous value. It ends at the first blank line or part
 * marker. A part runs from the line after its marker ("--- html" or
 * "--- text") to the next marker line or the end of the file, byte for
 * byte. A file whose first line is neither a known header nor a marker
 * has no header block: the whole file is the HTML part. Every value and
 * part is a Mustache template, compiled when the file is parsed. Errors
 * read "welcome.tpl:14:5: section \"items\" is never closed" (file, line,
 * column when known).
 * Depends on: lib/tpl, lib/buf, libc.
 */
#ifndef TERN_TPLFILE_H
#define TERN_TPLFILE_H

#include <stddef.h>

#include "tpl.h"

enum tplfile_part {
    TPLFILE_SUBJECT,
    TPLFILE_FROM,
    TPLFILE_REPLY_TO,
    TPLFILE_PREHEADER,
    TPLFILE_HTML,
    TPLFILE_TEXT,
    TPLFILE_NPARTS
};

struct tplfile {
    struct tpl *part[TPLFILE_NPARTS]; /* NULL when the file does not have it */
    unsigned line[TPLFILE_NPARTS];    /* where each part's source starts in the file */
    bool has_header;                  /* false: a bare body, the HTML part */
    /*
     * Each piece's Mustache source as compiled (NUL-terminated): a header
     * value with its continuation lines joined, a part byte for byte. For
     * those who pass a template on unrendered (the engine's sender).
     */
    char *source[TPLFILE_NPARTS];
    size_t source_len[TPLFILE_NPARTS];
};

/* Parse `len` bytes named `name` (for messages). NULL with `err` filled on error. */
struct tplfile *tplfile_parse(const char *name, const char *src, size_t len, char *err,
                              size_t errlen);
/* Read and parse a file (at most TPL_DEFAULT_MAX_SOURCE bytes). */
struct tplfile *tplfile_load(const char *path, char *err, size_t errlen);
void tplfile_free(struct tplfile *f);

/* "subject", "from", "reply-to", "preheader", "html", "text" <-> part; -1 when unknown. */
int tplfile_part_parse(const char *name);
const char *tplfile_part_name(enum tplfile_part p);

/*
 * Render one part (which must exist: -1 with a message otherwise). The html
 * part renders in HTML context, every other part in text context: header
 * values are raw text, to be encoded (or escaped) where they are placed.
 * `opts` supplies mode, caps and partials; its context is ignored.
 */
int tplfile_render(const struct tplfile *f, enum tplfile_part p, json_t *view,
                   const struct tpl_render_opts *opts, struct buf *out, struct tpl_error *err);

#endif
