/*
 * tplpath.h - where a template or partial name lives in a templates directory
 *
 * Owns: the one lookup rule every reader of the templates directory uses
 * (tern render, template.render in scripts, the engine's sender), so a
 * country team's override is found the same way everywhere:
 *
 *     DIR/<tenant>/NAME<suffix>   for each suffix, when a tenant is given
 *     DIR/NAME<suffix>            for each suffix
 *
 * Template files try ".tpl" then the bare name; partials (and layouts)
 * try the bare name then ".mustache". A name is a relative path of
 * letters, digits, "_", "-", "." and "/" that never starts with "/" or
 * ".", and holds no ".." or "//": nothing outside DIR is ever read. Only
 * regular files count.
 *
 * Depends on: libc (stat), buf.h (reading a file), tpl.h (its error type).
 */
#ifndef TERN_TPLPATH_H
#define TERN_TPLPATH_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "tpl.h"

enum tplpath_kind {
    TPLPATH_TEMPLATE, /* NAME.tpl, NAME */
    TPLPATH_PARTIAL,  /* NAME, NAME.mustache */
};

/* True when `name` may be looked up (see above). */
bool tplpath_name_ok(const char *name);

/*
 * Find `name` for `tenant` (NULL or "": none) under `dir`: 1 with the
 * file's path in `path`, 0 when there is no such file (or the name is not
 * allowed), -1 when the path would not fit in `pathlen`.
 */
int tplpath_find(const char *dir, const char *tenant, const char *name, enum tplpath_kind kind,
                 char *path, size_t pathlen);

/*
 * Append the file at `path`, at most `max` bytes, to `src`, answering as a
 * tpl_load_fn does: 1 read, -1 with `err` naming `shown` and why (larger
 * than `max`, unreadable, gone since it was found).
 */
int tplpath_read(const char *path, const char *shown, size_t max, struct buf *src,
                 struct tpl_error *err);

#endif
