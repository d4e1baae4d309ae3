/*
 * en_tz.c - a small TZif reader with a locked cache (see en_tz.h)
 *
 * Only what UTC -> local needs is kept: the transition times and the UT
 * offset in force after each. Files are bounded (64 KiB) and every count
 * is checked against the file size before it is used.
 */
#include "en_tz.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_DIR      "/usr/share/zoneinfo"
#define TZ_FILE_MAX (64u * 1024)
#define TZ_NAME_MAX 64
#define TZ_CACHE    64

struct zone {
    char name[TZ_NAME_MAX + 1];
    size_t n;         /* transitions */
    int64_t *at;      /* transition instants, ascending */
    int32_t *off;     /* offset from at[i] on */
    int32_t off_init; /* before the first transition */
};

static struct zone cache[TZ_CACHE];
static size_t ncache;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static bool
valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > TZ_NAME_MAX || s[0] == '/' || strstr(s, "..")) return false;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") == n;
}

static uint64_t
be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Read up to TZ_FILE_MAX bytes of the zone file; NULL with err. */
static unsigned char *
slurp(const char *name, size_t *len, char *err, size_t errlen)
{
    char path[PATH_MAX];
    const char *dir = getenv("TZDIR"); /* as libc honours it; read-only, so thread-safe */
    int n = snprintf(path, sizeof path, "%s/%s", dir && dir[0] == '/' ? dir : TZ_DIR, name);
    FILE *f = NULL;
    if (n > 0 && (size_t)n < sizeof path)
        f = fopen(path, "rb");
    else
        errno = ENAMETOOLONG;
    if (!f) {
        snprintf(err, errlen, "time zone \"%s\": %s", name,
                 errno == ENOENT ? "no such zone in the tz database" : strerror(errno));
        return NULL;
    }
    unsigned char *b = malloc(TZ_FILE_MAX);
    *len = b ? fread(b, 1, TZ_FILE_MAX, f) : 0;
    fclose(f);
    if (!b) snprintf(err, errlen, "time zone \"%s\": out of memory", name);
    return b;
}

struct hdr {
    uint32_t isut, isstd, leap, time, type, chars;
};

static void
read_hdr(const unsigned char *p, struct hdr *h)
{
    h->isut = (uint32_t)be(p + 20, 4), h->isstd = (uint32_t)be(p + 24, 4);
    h->leap = (uint32_t)be(p + 28, 4), h->time = (uint32_t)be(p + 32, 4);
    h->type = (uint32_t)be(p + 36, 4), h->chars = (uint32_t)be(p + 40, 4);
}

/* Size of a data block with `tsize`-byte times. */
static size_t
block_len(const struct hdr *h, size_t tsize)
{
    return (size_t)h->time * (tsize + 1) + (size_t)h->type * 6 + h->chars +
           (size_t)h->leap * (tsize + 4) + h->isstd + h->isut;
}

/* Fill `z` from the data block at `p` (times of `tsize` bytes). */
static int
read_block(struct zone *z, const struct hdr *h, const unsigned char *p, size_t tsize)
{
    if (h->type == 0 || h->time > 100000) return -1;
    const unsigned char *idx = p + (size_t)h->time * tsize, *types = idx + h->time;
    z->at = malloc((h->time + 1) * sizeof *z->at);
    z->off = malloc((h->time + 1) * sizeof *z->off);
    if (!z->at || !z->off) return -1;
    for (uint32_t i = 0; i < h->time; i++) {
        uint64_t raw = be(p + (size_t)i * tsize, (int)tsize);
        z->at[i] = tsize == 8 ? (int64_t)raw : (int64_t)(int32_t)(uint32_t)raw;
        if (idx[i] >= h->type) return -1;
        z->off[i] = (int32_t)(uint32_t)be(types + (size_t)idx[i] * 6, 4);
    }
    z->n = h->time;
    z->off_init = (int32_t)(uint32_t)be(types, 4); /* RFC 8536: type 0 before the first */
    return 0;
}

static int
parse(struct zone *z, const unsigned char *b, size_t len)
{
    struct hdr h;
    if (len < 44 || memcmp(b, "TZif", 4) != 0) return -1;
    read_hdr(b, &h);
    size_t v1 = 44 + block_len(&h, 4);
    if (v1 > len) return -1;
    if (b[4] < '2') return read_block(z, &h, b + 44, 4);
    if (v1 + 44 > len || memcmp(b + v1, "TZif", 4) != 0) return -1;
    read_hdr(b + v1, &h);
    if (v1 + 44 + block_len(&h, 8) > len) return -1;
    return read_block(z, &h, b + v1 + 44, 8);
}

static void
zone_free(struct zone *z)
{
    free(z->at);
    free(z->off);
    *z = (struct zone){0};
}

/* Load `name` into a new cache slot (lock held); NULL with err. */
static struct zone *
load(const char *name, char *err, size_t errlen)
{
    if (ncache == TZ_CACHE) { /* full: start over rather than grow without bound */
        for (size_t i = 0; i < ncache; i++)
            zone_free(&cache[i]);
        ncache = 0;
    }
    size_t len;
    unsigned char *b = slurp(name, &len, err, errlen);
    if (!b) return NULL;
    struct zone *z = &cache[ncache];
    int rc = parse(z, b, len);
    free(b);
    if (rc < 0) {
        zone_free(z);
        snprintf(err, errlen, "time zone \"%s\": not a TZif file, or out of memory", name);
        return NULL;
    }
    snprintf(z->name, sizeof z->name, "%s", name);
    ncache++;
    return z;
}

static int32_t
offset_at(const struct zone *z, int64_t t)
{
    if (z->n == 0 || t < z->at[0]) return z->off_init;
    size_t lo = 0, hi = z->n; /* last transition <= t */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->at[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return z->off[lo];
}

int
en_tz_offset(const char *name, int64_t t, int32_t *east, char *err, size_t errlen)
{
    if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
        *east = 0;
        return 0;
    }
    if (!valid_name(name)) {
        snprintf(err, errlen, "time zone \"%.64s\": not an IANA zone name", name);
        return -1;
    }
    pthread_mutex_lock(&lock);
    struct zone *z = NULL;
    for (size_t i = 0; i < ncache && !z; i++)
        if (strcmp(cache[i].name, name) == 0) z = &cache[i];
    if (!z) z = load(name, err, errlen);
    if (z) *east = offset_at(z, t);
    pthread_mutex_unlock(&lock);
    return z ? 0 : -1;
}

void
en_tz_flush(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < ncache; i++)
        zone_free(&cache[i]);
    ncache = 0;
    pthread_mutex_unlock(&lock);
}
