/*
 * form.h - application/x-www-form-urlencoded bodies, read in place
 *
 * Owns: walking "a=1&b=two+words&c=%C3%A9" pair by pair, decoding '+' and
 * %XX into a caller's buffer. Bounded: a name or value longer than the
 * buffer is an error, never silently cut. Used for the page forms and the
 * RFC 8058 one-click body ("List-Unsubscribe=One-Click").
 *
 * Depends on: libc only.
 */
#ifndef TERN_TRACK_FORM_H
#define TERN_TRACK_FORM_H

#include <stdbool.h>
#include <stddef.h>

#define FORM_FIELD_MAX 256 /* bytes of a decoded name or value, NUL included */

struct form_iter {
    const char *p, *end;
};

struct form_field {
    char name[FORM_FIELD_MAX];
    char value[FORM_FIELD_MAX];
};

void form_iter_init(struct form_iter *it, const char *body, size_t len);

/*
 * The next field: 1 with `f` filled, 0 at the end, -1 on a malformed or
 * over-long field (a bad %XX escape, a NUL byte, more than
 * FORM_FIELD_MAX - 1 bytes).
 */
int form_next(struct form_iter *it, struct form_field *f);

#endif
