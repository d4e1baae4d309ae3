/*
 * spool_recover.c - what spool_open finds on disk: lock, segments, torn tail
 *
 * Recovery trusts only what checks out: every segment is scanned frame by
 * frame. The last segment may end in a torn record (a crash during a
 * write, or data written but never synced): it is cut off at the first
 * frame that is partial or fails its CRC, and everything before it is
 * kept. Earlier segments were synced before the next one was created
 * (spool.c, rotation), so damage there is real corruption: opening fails
 * and names the file, rather than silently dropping acknowledged records.
 * Segments wholly below the cursor are leftovers of a crash between
 * writing the cursor and deleting them, and are removed.
 */
#include "spool_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p with mode 0700 for what it creates. */
static int
make_dirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST) return -1;
        *p = c;
        if (c == '\0') return 0;
    }
}

int
spool_lock(struct spool *sp, char *err, size_t errlen)
{
    if (make_dirs(sp->dir) < 0) return spool_errno(sp, err, errlen, "cannot create directory");
    sp->dirfd = open(sp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sp->dirfd < 0) return spool_errno(sp, err, errlen, "cannot open directory");
    sp->lockfd = openat(sp->dirfd, LOCK_NAME, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (sp->lockfd < 0) return spool_errno(sp, err, errlen, "cannot open lock file");
    if (flock(sp->lockfd, LOCK_EX | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK) return spool_errno(sp, err, errlen, "cannot lock");
        char pid[32] = "";
        ssize_t n = pread(sp->lockfd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        snprintf(err, errlen,
                 "spool %s: in use by another process%s%s (lock held on %s/" LOCK_NAME ")", sp->dir,
                 *pid ? ", pid " : "", pid, sp->dir);
        return -1;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(sp->lockfd, 0) < 0 || pwrite(sp->lockfd, pid, (size_t)len, 0) != len)
        return spool_errno(sp, err, errlen, "cannot write lock file");
    return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The first sequence numbers of every segment file, sorted. */
static int
list_segments(struct spool *sp, uint64_t **out, size_t *n, char *err, size_t errlen)
{
    int fd = dup(sp->dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return spool_errno(sp, err, errlen, "cannot list directory");
    }
    rewinddir(d);
    uint64_t *v = NULL;
    size_t cap = 0, len = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        uint64_t first;
        if (!seg_parse_name(e->d_name, &first)) continue;
        if (len == cap) {
            uint64_t *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof *v);
            if (!nv) {
                rc = spool_oom(err, errlen);
                break;
            }
            v = nv;
        }
        v[len++] = first;
    }
    closedir(d);
    if (rc < 0) {
        free(v);
        return -1;
    }
    if (len) qsort(v, len, sizeof *v, cmp_u64);
    *out = v;
    *n = len;
    return 0;
}

/* What a scan learned about one segment. */
struct scan {
    uint64_t end;     /* sequence number after its last whole record */
    uint64_t size;    /* bytes kept */
    uint64_t ack_off; /* offset of record `acked`, or `size` when it lies beyond */
    uint64_t bytes;   /* frame bytes of records at or after `acked` */
    uint64_t file_size;
    bool header_bad;
    const char *why; /* set when a frame was bad at offset `size` */
};

static void
scan_frames(const unsigned char *p, uint64_t size, uint64_t first, uint64_t acked, struct scan *s)
{
    uint64_t off = SEG_HEADER, seq = first;
    s->ack_off = 0;
    s->bytes = 0;
    while (off < size) {
        size_t len;
        if (frame_check(p + off, size - off, &len, &s->why) < 0) break;
        if (seq == acked) s->ack_off = off;
        if (seq >= acked) s->bytes += FRAME_HEADER + len;
        off += FRAME_HEADER + len;
        seq++;
    }
    if (seq <= acked) s->ack_off = off;
    s->end = seq;
    s->size = off;
}

static int
scan_segment(struct spool *sp, uint64_t first, uint64_t acked, struct scan *s, char *err,
             size_t errlen)
{
    char path[4096];
    seg_path(sp, first, path, sizeof path);
    memset(s, 0, sizeof *s);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0) close(fd);
        return spool_errno(sp, err, errlen, "cannot read segment");
    }
    uint64_t size = (uint64_t)st.st_size;
    s->file_size = size;
    void *map = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (size && map == MAP_FAILED) return spool_errno(sp, err, errlen, "cannot map segment");
    if (size < SEG_HEADER || !seg_header_ok(map, first))
        s->header_bad = true;
    else
        scan_frames(map, size, first, acked, s);
    if (map) munmap(map, size);
    if (!s->header_bad && s->size < size && !s->why) s->why = "trailing bytes";
    return 0;
}

static int
cut_tail(struct spool *sp, uint64_t first, uint64_t size, char *err, size_t errlen)
{
    char path[4096];
    seg_path(sp, first, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    bool ok = fd >= 0 && ftruncate(fd, (off_t)size) == 0 && fdatasync(fd) == 0;
    int saved = errno;
    if (fd >= 0) close(fd);
    errno = saved;
    return ok ? 0 : spool_errno(sp, err, errlen, "cannot cut the torn tail of the last segment");
}

static int
remove_segment(struct spool *sp, uint64_t first, char *err, size_t errlen)
{
    char name[64];
    snprintf(name, sizeof name, "%020" PRIu64 ".seg", first);
    if (unlinkat(sp->dirfd, name, 0) < 0 && errno != ENOENT)
        return spool_errno(sp, err, errlen, "cannot remove segment");
    return 0;
}

static int
damaged(struct spool *sp, uint64_t first, const struct scan *s, char *err, size_t errlen)
{
    char path[4096];
    seg_path(sp, first, path, sizeof path);
    if (s->header_bad)
        snprintf(err, errlen, "spool %s: %s: not a spool segment (bad header)", sp->dir, path);
    else
        snprintf(err, errlen,
                 "spool %s: %s: record %" PRIu64 " at offset %" PRIu64
                 ": %s; the spool is damaged (move the file away to open it without it)",
                 sp->dir, path, s->end, s->size, s->why);
    return -1;
}

/* Keep segment `first` (already scanned into `s`) as one of the live ones. */
static int
keep_segment(struct spool *sp, uint64_t first, bool last, const struct scan *s, char *err,
             size_t errlen)
{
    if (s->why) {
        if (!last) return damaged(sp, first, s, err, errlen);
        if (cut_tail(sp, first, s->size, err, errlen) < 0) return -1;
        sp->torn_bytes += s->file_size - s->size;
    }
    if (sp->nsegs && sp->appended != first) {
        snprintf(err, errlen,
                 "spool %s: segment %020" PRIu64 " follows one that ends at record %" PRIu64
                 "; the spool is damaged",
                 sp->dir, first, sp->appended);
        return -1;
    }
    if (sp->nsegs == 0) {
        if (sp->acked < first) sp->acked = first; /* the cursor lags behind deletions */
        sp->pos_seg = first;
        sp->pos_off = s->ack_off;
    }
    if (segs_push(sp, first, s->size) < 0) return spool_oom(err, errlen);
    sp->bytes += s->bytes;
    sp->appended = s->end;
    return 0;
}

static int
recover_segment(struct spool *sp, uint64_t first, bool last, char *err, size_t errlen)
{
    struct scan s;
    uint64_t acked = sp->nsegs == 0 && sp->acked < first ? first : sp->acked;
    if (scan_segment(sp, first, acked, &s, err, errlen) < 0) return -1;
    if (s.header_bad) {
        if (!last) return damaged(sp, first, &s, err, errlen);
        /* created, but its header never reached the disk: it holds nothing */
        sp->torn_bytes += s.file_size;
        if (sp->appended < first) sp->appended = first;
        return remove_segment(sp, first, err, errlen);
    }
    return keep_segment(sp, first, last, &s, err, errlen);
}

/* Every segment is acked but the cursor points past them (their tail was
 * lost after the ack): start afresh at the cursor so no new record gets a
 * number that counts as acked. */
static int
forget_acked_segments(struct spool *sp, char *err, size_t errlen)
{
    while (sp->nsegs) {
        if (remove_segment(sp, sp->segs[0].first, err, errlen) < 0) return -1;
        segs_drop_first(sp);
    }
    sp->bytes = 0;
    sp->appended = sp->acked;
    return 0;
}

static int
open_active_segment(struct spool *sp, char *err, size_t errlen)
{
    if (sp->nsegs == 0) {
        if (seg_create(sp, sp->appended, err, errlen) < 0) return -1;
        sp->pos_seg = sp->appended;
        sp->pos_off = SEG_HEADER;
        sp->dir_dirty = false;
        if (fsync(sp->dirfd) < 0) return spool_errno(sp, err, errlen, "cannot sync directory");
        return 0;
    }
    char path[4096];
    seg_path(sp, sp->segs[sp->nsegs - 1].first, path, sizeof path);
    sp->wfd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (sp->wfd < 0) return spool_errno(sp, err, errlen, "cannot open the last segment");
    /* what the crashed owner wrote may still sit in the page cache only */
    if (fdatasync(sp->wfd) < 0) return spool_errno(sp, err, errlen, "cannot sync the last segment");
    return 0;
}

int
spool_recover(struct spool *sp, char *err, size_t errlen)
{
    bool found;
    if (cursor_read(sp, &sp->acked, &found, err, errlen) < 0) return -1;
    if (unlinkat(sp->dirfd, CURSOR_NAME ".tmp", 0) < 0 && errno != ENOENT)
        return spool_errno(sp, err, errlen, "cannot remove the temporary cursor");
    uint64_t *firsts = NULL;
    size_t n = 0;
    if (list_segments(sp, &firsts, &n, err, errlen) < 0) return -1;
    int rc = 0;
    sp->appended = sp->acked;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i + 1 < n && firsts[i + 1] <= sp->acked)
            rc = remove_segment(sp, firsts[i], err, errlen); /* wholly acked */
        else
            rc = recover_segment(sp, firsts[i], i + 1 == n, err, errlen);
    }
    free(firsts);
    if (rc == 0 && sp->appended < sp->acked) rc = forget_acked_segments(sp, err, errlen);
    if (rc == 0) rc = open_active_segment(sp, err, errlen);
    sp->durable = sp->requested = sp->appended;
    return rc;
}
