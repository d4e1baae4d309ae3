/*
 * preheader.h - the preview text at the top of a managed message's HTML
 *
 * Owns: where a rendered preheader (X-Tern-Preheader, the `preheader:` of
 * a template, doc/templates.md) goes. Mail clients show the first text of
 * the HTML body next to the subject in the message list; the usual
 * convention, followed here, is a hidden element at the very top of the
 * body holding that text, so the reader sees it in the list and not in the
 * message. The text is rendered as plain text (like the subject) and
 * HTML-escaped here, where it becomes markup. It goes just past <body>:
 * milter/rewrite.c inserts it where the scan that rewrites the links
 * found the body starting (lib/links).
 *
 * Depends on: lib/links (escaping), lib/buf.
 */
#ifndef TERN_MILTER_PREHEADER_H
#define TERN_MILTER_PREHEADER_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Append the hidden element holding `text` (plain UTF-8, escaped here) to `out`. */
bool preheader_markup(const char *text, size_t len, struct buf *out);

#endif
