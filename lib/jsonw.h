/*
 * jsonw.h - writing small JSON objects straight into a buffer
 *
 * Owns: the text of the records the daemons spool (record.c) and of the
 * tracker's click data, written without building a jansson tree first: a
 * click is encoded on every request, and building, dumping and freeing a
 * tree cost more than the rest of the encoding. Strings are escaped as
 * RFC 8259 requires; bytes that are not UTF-8 (a Latin-1 User-Agent)
 * become U+FFFD, so the text is always valid JSON that PostgreSQL accepts.
 *
 *     struct jw w = JW_INIT(&out);
 *     jw_str(&w, "type", "email.click");
 *     jw_int(&w, "link", 3);
 *     jw_end(&w);                      -> {"type":"email.click","link":3}
 *
 * Depends on: lib/buf, lib/utf8.
 */
#ifndef TERN_JSONW_H
#define TERN_JSONW_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* An object being written; `ok` turns false on the first allocation failure. */
struct jw {
    struct buf *out;
    bool first, ok;
};

#define JW_INIT(b)                                                                                 \
    {                                                                                              \
        (b), true, buf_putc((b), '{')                                                              \
    }

/* A string member; nothing when `v` is NULL. */
void jw_str(struct jw *w, const char *key, const char *v);
/* A string member of `n` bytes. */
void jw_strn(struct jw *w, const char *key, const char *v, size_t n);
void jw_int(struct jw *w, const char *key, long long v);
/* A member whose value is JSON text the caller checked; nothing when NULL. */
void jw_raw(struct jw *w, const char *key, const char *json);

/* Close the object; false when anything failed to fit in memory. */
bool jw_end(struct jw *w);

#endif
