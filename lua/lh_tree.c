/*
 * lh_tree.c - read a scripts tree into memory, once per reload
 *
 * Walks the root for *.lua files (not *_test.lua, not dot files or dot
 * directories), checks that each one resolves (realpath) inside the root,
 * and reads it, size-capped. Every state of a generation then compiles the
 * same bytes, and require needs no file system at run time. Bounded: depth,
 * file count and file size all have limits.
 */
#include "lh_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 16
#define MAX_FILES 4096

struct walk {
    const char *root; /* realpath */
    size_t rootlen;
    size_t max_bytes;
    struct lh_src *src;
    size_t n, cap;
    char *err;
    size_t errlen;
};

static int
fail(struct walk *w, const char *rel, const char *what)
{
    snprintf(w->err, w->errlen, "%s: %s", rel, what);
    return -1;
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Is the real path `real` the root itself or below it? */
static bool
inside(const struct walk *w, const char *real)
{
    return strncmp(real, w->root, w->rootlen) == 0 &&
           (real[w->rootlen] == '/' || real[w->rootlen] == '\0');
}

static int
read_all(struct walk *w, const char *rel, const char *real, char **text, size_t *len)
{
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0) return fail(w, rel, strerror(errno));
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return fail(w, rel, "not a regular file");
    }
    if ((size_t)sb.st_size > w->max_bytes) {
        close(fd);
        snprintf(w->err, w->errlen, "%s: %lld bytes is over the script limit of %zu", rel,
                 (long long)sb.st_size, w->max_bytes);
        return -1;
    }
    char *p = malloc((size_t)sb.st_size + 1);
    size_t got = 0;
    ssize_t r = 1;
    while (p && got < (size_t)sb.st_size && (r = read(fd, p + got, (size_t)sb.st_size - got)) > 0)
        got += (size_t)r;
    close(fd);
    if (!p || r < 0) {
        free(p);
        return fail(w, rel, p ? strerror(errno) : "out of memory");
    }
    p[got] = '\0';
    *text = p;
    *len = got;
    return 0;
}

static int
add_file(struct walk *w, const char *rel, const char *full)
{
    if (w->n == MAX_FILES) return fail(w, rel, "too many scripts (limit 4096)");
    char *real = realpath(full, NULL);
    if (!real) return fail(w, rel, strerror(errno));
    if (!inside(w, real)) {
        free(real);
        return fail(w, rel, "resolves outside the scripts root");
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 32;
        struct lh_src *s = realloc(w->src, cap * sizeof *s);
        if (!s) {
            free(real);
            return fail(w, rel, "out of memory");
        }
        w->src = s;
        w->cap = cap;
    }
    struct lh_src *s = &w->src[w->n];
    int rc = read_all(w, rel, real, &s->text, &s->len);
    free(real);
    if (rc < 0) return -1;
    if (!(s->path = strdup(rel))) {
        free(s->text);
        return fail(w, rel, "out of memory");
    }
    w->n++;
    return 0;
}

static int walk_dir(struct walk *w, const char *rel, const char *full, int depth);

/* One directory entry: recurse into directories, collect scripts, skip the rest. */
static int
visit(struct walk *w, const char *rel, const char *full, int depth)
{
    struct stat sb;
    if (lstat(full, &sb) < 0) return fail(w, rel, strerror(errno));
    if (S_ISLNK(sb.st_mode)) {
        char *real = realpath(full, NULL);
        bool ok = real && inside(w, real);
        free(real);
        if (!ok) return fail(w, rel, "resolves outside the scripts root");
        if (stat(full, &sb) < 0) return fail(w, rel, strerror(errno));
    }
    if (S_ISDIR(sb.st_mode)) return walk_dir(w, rel, full, depth + 1);
    if (S_ISREG(sb.st_mode) && ends_with(rel, ".lua") && !ends_with(rel, "_test.lua"))
        return add_file(w, rel, full);
    return 0;
}

static int
walk_dir(struct walk *w, const char *rel, const char *full, int depth)
{
    if (depth > MAX_DEPTH) return fail(w, rel, "directories nested too deeply");
    DIR *d = opendir(full);
    if (!d) return fail(w, *rel ? rel : ".", strerror(errno));
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue; /* ., .., editors' and VCS files */
        char crel[PATH_MAX], cfull[PATH_MAX];
        int a = snprintf(crel, sizeof crel, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        int b = snprintf(cfull, sizeof cfull, "%s/%s", full, de->d_name);
        if (a < 0 || b < 0 || (size_t)a >= sizeof crel || (size_t)b >= sizeof cfull)
            rc = fail(w, de->d_name, "path too long");
        else
            rc = visit(w, crel, cfull, depth);
    }
    closedir(d);
    return rc;
}

static int
by_path(const void *a, const void *b)
{
    return strcmp(((const struct lh_src *)a)->path, ((const struct lh_src *)b)->path);
}

int
lh_tree_read(const char *root, size_t max_bytes, char **realroot, struct lh_src **src, size_t *nsrc,
             char *err, size_t errlen)
{
    struct stat sb;
    char *rr = realpath(root, NULL);
    if (!rr || stat(rr, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "scripts root %s: %s", root,
                 rr ? "not a directory" : strerror(errno));
        free(rr);
        return -1;
    }
    struct walk w = {
        .root = rr, .rootlen = strlen(rr), .max_bytes = max_bytes, .err = err, .errlen = errlen};
    if (w.rootlen == 1) w.rootlen = 0; /* root "/": every path is inside */
    if (walk_dir(&w, "", rr, 0) < 0) {
        lh_tree_free(w.src, w.n);
        free(rr);
        return -1;
    }
    if (w.n) qsort(w.src, w.n, sizeof *w.src, by_path);
    *realroot = rr;
    *src = w.src;
    *nsrc = w.n;
    return 0;
}

void
lh_tree_free(struct lh_src *src, size_t nsrc)
{
    for (size_t i = 0; i < nsrc; i++) {
        free(src[i].path);
        free(src[i].text);
    }
    free(src);
}

const struct lh_src *
lh_tree_find(const struct lh_src *src, size_t nsrc, const char *path)
{
    struct lh_src key = {.path = (char *)path};
    return nsrc ? bsearch(&key, src, nsrc, sizeof *src, by_path) : NULL;
}
