/*
 * pages.h - the HTML pages of unsubscribe, confirm and preferences
 *
 * Owns: the page templates (Mustache, lib/tpl, HTML-escaped by default so
 * everything echoed is escaped) and rendering them. Built-in pages are
 * compiled into the binary; a file DIR/NAME.mustache (or DIR/NAME) in
 * track.pages replaces the page NAME (and `layout`, which every built-in
 * page extends with {{<layout}}). A folder DIR/<tenant> holds one tenant's
 * overrides, found first for that tenant's contacts by the rule of
 * lib/tplpath (the one `tern render --tenant` uses). Every page of every
 * tenant is compiled when the generation is built, so a broken override
 * stops start-up or a reload with its file:line, never a visitor's request.
 *
 *     layout              the frame: {{$title}} and {{$body}} blocks
 *     unsubscribe         GET /u/: a button; view: list (absent: all mail)
 *     unsubscribed        after POST /u/
 *     confirm, confirmed  GET and POST /confirm/
 *     preferences         GET /p/: view: topics[] {name, checked},
 *                         channels[] {name, checked}, frequencies[] {name,
 *                         checked}, pause_until, error
 *     preferences_saved   after POST /p/
 *
 * Depends on: lib/tpl, lib/tplpath, lib/buf, jansson.
 *
 * DIAGNOSTICS
 *     "pages DIR/unsubscribe.mustache: line 3, column 9: section \"list\"
 *     is never closed"; "pages DIR: No such file or directory" (a missing
 *     file is no error, a missing track.pages folder is); "pages: out of
 *     memory".
 */
#ifndef TERN_TRACK_PAGES_H
#define TERN_TRACK_PAGES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "buf.h"

struct tr_pages;

/* Compile every page, from `dir` where it has a file, else built in. `dir` may be NULL. */
struct tr_pages *tr_pages_new(const char *dir, char *err, size_t errlen);
void tr_pages_free(struct tr_pages *p);

/* Whether any tenant has its own pages (else the tenant need not be looked up). */
bool tr_pages_per_tenant(const struct tr_pages *p);

/* Render page `name` of `tenant` (NULL, or one without a folder: the default
 * pages) with `view`, appending to `out`. -1 with a reason. Thread-safe. */
int tr_pages_render(struct tr_pages *p, const char *tenant, const char *name, json_t *view,
                    struct buf *out, char *err, size_t errlen);

#endif
