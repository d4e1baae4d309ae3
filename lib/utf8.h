/*
 * utf8.h - strict UTF-8 validation
 *
 * Owns: deciding whether a byte string is well-formed UTF-8 as RFC 3629 and
 * Unicode define it: no overlong forms, no surrogates (U+D800..U+DFFF), nothing
 * above U+10FFFF, no truncated sequence, no stray continuation byte. NUL
 * (U+0000) is valid UTF-8; callers that refuse it check for it themselves.
 * Used on imported CSV fields and addresses before they reach PostgreSQL,
 * which rejects invalid UTF-8 for a whole batch.
 * Depends on: libc only.
 */
#ifndef TERN_UTF8_H
#define TERN_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when the `n` bytes at `s` are valid UTF-8. Otherwise false, and when
 * `bad_offset` is not NULL it receives the offset of the first byte of the
 * first invalid sequence: utf8_valid("ab\xC0\xAF", 4, &off) is false with off 2.
 * Runs of ASCII are checked 8 bytes at a time.
 */
bool utf8_valid(const char *s, size_t n, size_t *bad_offset);

#endif
