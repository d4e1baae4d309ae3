/*
 * spool_cursor.c - the cursor file: the first unacked sequence number
 *
 * One line of decimal text, so an admin can read it with cat. Replaced
 * atomically: write a temporary file, fsync it, rename it over the old
 * one, fsync the directory. A crash leaves the old cursor or the new one,
 * never a mix; an old one only means some records are applied twice,
 * which record application tolerates by design.
 */
#include "spool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
cursor_read(struct spool *sp, uint64_t *acked, bool *found, char *err, size_t errlen)
{
    int fd = openat(sp->dirfd, CURSOR_NAME, O_RDONLY | O_CLOEXEC);
    *found = fd >= 0;
    *acked = 0;
    if (fd < 0) return errno == ENOENT ? 0 : spool_errno(sp, err, errlen, "cannot open cursor");
    char text[32];
    ssize_t n = read(fd, text, sizeof text - 1);
    int saved = errno;
    close(fd);
    errno = saved;
    if (n < 0) return spool_errno(sp, err, errlen, "cannot read cursor");
    text[n] = '\0';
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (n == 0 || text[0] < '0' || text[0] > '9' || errno || strcmp(end, "\n") != 0) {
        snprintf(err, errlen, "spool %s: %s/" CURSOR_NAME ":1: not a sequence number", sp->dir,
                 sp->dir);
        return -1;
    }
    *acked = v;
    return 0;
}

int
cursor_write(struct spool *sp, uint64_t acked, char *err, size_t errlen)
{
    char text[32];
    int len = snprintf(text, sizeof text, "%" PRIu64 "\n", acked);
    int fd = openat(sp->dirfd, CURSOR_NAME ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return spool_errno(sp, err, errlen, "cannot write cursor");
    errno = ENOSPC; /* what a short write most likely means */
    bool ok = write(fd, text, (size_t)len) == len && fsync(fd) == 0;
    int saved = errno;
    close(fd);
    errno = saved;
    if (!ok) return spool_errno(sp, err, errlen, "cannot write cursor");
    if (renameat(sp->dirfd, CURSOR_NAME ".tmp", sp->dirfd, CURSOR_NAME) < 0)
        return spool_errno(sp, err, errlen, "cannot replace cursor");
    if (fsync(sp->dirfd) < 0) return spool_errno(sp, err, errlen, "cannot sync directory");
    return 0;
}
