/*
 * tplcache.h - compiled templates of recent message bodies, shared
 *
 * Owns: not compiling the same template source twice in a row. A bulk
 * send submits one body (and one Subject) to many recipients: each managed
 * message's leaves are templates, and compiling a 60 KB HTML part anew for
 * every copy was a tenth of the pipeline. A compiled template is immutable
 * (lib/tpl.h), so one copy serves every connection at once.
 *
 * A hit needs the same name and byte-identical source, compared in full:
 * there is no hash that could collide. At most TPLC_ENTRIES sources of at
 * most TPLC_MAX_SOURCE bytes each are kept; the least recently used goes
 * first, and a template still in use by a message is freed with its last
 * user. Compile errors are not cached (the caller gets the error each time).
 *
 * Thread-safe: one mutex around the table; compiling happens outside it.
 *
 * Depends on: lib/tpl, pthread.
 */
#ifndef TERN_MILTER_TPLCACHE_H
#define TERN_MILTER_TPLCACHE_H

#include <stddef.h>

#include "tpl.h"

#define TPLC_ENTRIES    8
#define TPLC_MAX_SOURCE (1u << 20) /* a larger source is compiled for its message alone */

struct tplc_hold;

/*
 * The compiled template of `src` (`len` bytes) named `name`, from the
 * cache or compiled now; NULL with `te` filled when it does not compile or
 * memory ran out. `*hold` must go back through tplc_release() once the
 * template is no longer rendered.
 */
const struct tpl *tplc_get(const char *src, size_t len, const char *name, struct tpl_error *te,
                           struct tplc_hold **hold);
void tplc_release(struct tplc_hold *hold); /* NULL allowed */

/* Drop every entry not in use (tests, and valgrind's leak check at exit). */
void tplc_clear(void);

#endif
