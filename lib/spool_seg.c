/*
 * spool_seg.c - segment files and record frames of the spool
 *
 * A segment is named by the sequence number of its first record
 * ("00000000000000001234.seg") and starts with a 16-byte header (magic,
 * that number again) so a renamed or foreign file is never mistaken for
 * one. Each record is a frame: its length and a CRC-32C over length and
 * data, then the data. The CRC covers the length so a torn length field
 * cannot make a garbage tail look like a record.
 */
#include "spool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool_crc.h"

static void
put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void
seg_path(const struct spool *sp, uint64_t first, char *path, size_t len)
{
    snprintf(path, len, "%s/%020" PRIu64 ".seg", sp->dir, first);
}

bool
seg_parse_name(const char *name, uint64_t *first)
{
    if (strlen(name) != 24 || strcmp(name + 20, ".seg") != 0) return false;
    uint64_t v = 0;
    for (int i = 0; i < 20; i++) {
        if (name[i] < '0' || name[i] > '9') return false;
        if (v > (UINT64_MAX - (uint64_t)(name[i] - '0')) / 10) return false; /* overflow */
        v = v * 10 + (uint64_t)(name[i] - '0');
    }
    *first = v;
    return true;
}

void
seg_header(unsigned char h[SEG_HEADER], uint64_t first)
{
    memcpy(h, SEG_MAGIC, 8);
    put_le32(h + 8, (uint32_t)first);
    put_le32(h + 12, (uint32_t)(first >> 32));
}

bool
seg_header_ok(const unsigned char *h, uint64_t first)
{
    uint64_t got = (uint64_t)get_le32(h + 8) | (uint64_t)get_le32(h + 12) << 32;
    return memcmp(h, SEG_MAGIC, 8) == 0 && got == first;
}

static uint32_t
frame_crc(const unsigned char *lenbytes, const void *data, size_t len)
{
    return spool_crc32c(spool_crc32c(0, lenbytes, 4), data, len);
}

void
frame_header(unsigned char h[FRAME_HEADER], const void *data, size_t len)
{
    put_le32(h, (uint32_t)len);
    put_le32(h + 4, frame_crc(h, data, len));
}

int
frame_check(const unsigned char *p, size_t avail, size_t *len, const char **why)
{
    if (avail < FRAME_HEADER) {
        *why = "partial record header";
        return -1;
    }
    uint32_t n = get_le32(p);
    if (n == 0 || n > SPOOL_RECORD_MAX) {
        *why = "impossible record length";
        return -1;
    }
    if (avail - FRAME_HEADER < n) {
        *why = "partial record";
        return -1;
    }
    if (frame_crc(p, p + FRAME_HEADER, n) != get_le32(p + 4)) {
        *why = "bad CRC";
        return -1;
    }
    *len = n;
    return 0;
}

/* Make `first` the active segment: a new file with its header. The caller
 * holds `mu` (or owns the spool alone) and has made the old one durable. */
int
seg_create(struct spool *sp, uint64_t first, char *err, size_t errlen)
{
    char path[4096];
    seg_path(sp, first, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return spool_errno(sp, err, errlen, "cannot create a segment");
    unsigned char h[SEG_HEADER];
    seg_header(h, first);
    errno = 0;
    if (write(fd, h, sizeof h) != (ssize_t)sizeof h || segs_push(sp, first, SEG_HEADER) < 0) {
        if (errno == 0) errno = ENOSPC;
        int saved = errno;
        close(fd);
        unlink(path);
        errno = saved;
        return spool_errno(sp, err, errlen, "cannot create a segment");
    }
    sp->wfd = fd;
    sp->dir_dirty = true; /* the new name must reach the disk before its records count */
    return 0;
}

int
segs_push(struct spool *sp, uint64_t first, uint64_t size)
{
    if (sp->nsegs == sp->capsegs) {
        size_t cap = sp->capsegs ? sp->capsegs * 2 : 16;
        struct seg *s = realloc(sp->segs, cap * sizeof *s);
        if (!s) {
            errno = ENOMEM;
            return -1;
        }
        sp->segs = s;
        sp->capsegs = cap;
    }
    sp->segs[sp->nsegs++] = (struct seg){first, size};
    return 0;
}

void
segs_drop_first(struct spool *sp)
{
    memmove(sp->segs, sp->segs + 1, (sp->nsegs - 1) * sizeof *sp->segs);
    sp->nsegs--;
}

int
spool_errno(const struct spool *sp, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "spool %s: %s: %s", sp->dir, what, strerror(errno));
    return -1;
}

int
spool_oom(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    return -1;
}
