/*
 * buf.h - growable byte buffer
 *
 * Owns: a heap byte string with length and capacity, always NUL-terminated
 * so it can be handed to C string APIs. Used by every module that builds
 * output of unknown size (CSV fields, COPY streams, rendered templates).
 * Depends on: libc only.
 */
#ifndef TERN_BUF_H
#define TERN_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
};

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Make room for at least `extra` more bytes (plus the NUL). False on ENOMEM. */
bool buf_reserve(struct buf *b, size_t extra);
/* Append bytes / a C string / one byte / printf output. False on ENOMEM. */
bool buf_append(struct buf *b, const void *p, size_t n);
bool buf_puts(struct buf *b, const char *s);
bool buf_putc(struct buf *b, char c);
bool buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Cut the contents back to the first `len` bytes (no-op if already shorter). */
void buf_truncate(struct buf *b, size_t len);
/* Forget the contents but keep the memory for reuse. */
void buf_reset(struct buf *b);
/* Release the memory; the buffer can be reused afterwards. */
void buf_free(struct buf *b);
/* The contents as a C string, "" when empty (never NULL). */
const char *buf_str(const struct buf *b);
/* Append the whole file at `path`, at most `max` bytes of it. 0, or -1 with errno: the open
 * or read error, EFBIG for a file larger than `max`, ENOMEM. */
int buf_read_file(struct buf *b, const char *path, size_t max);

#endif
