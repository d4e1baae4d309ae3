/*
 * tplpath.c - the templates directory lookup rule (see tplpath.h)
 */
#include "tplpath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./"

bool
tplpath_name_ok(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || name[0] == '/' || name[0] == '.') return false;
    if (strstr(name, "..") || strstr(name, "//")) return false;
    return strspn(name, NAME_CHARS) == len;
}

static bool
is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Try DIR/[TENANT/]NAME<suffix> for each suffix: 1 found, 0 not, -1 too long. */
static int
try_suffixes(const char *dir, const char *tenant, const char *name, enum tplpath_kind kind,
             char *path, size_t pathlen)
{
    static const char *const suffixes[][2] = {
        [TPLPATH_TEMPLATE] = {".tpl", ""}, [TPLPATH_PARTIAL] = {"", ".mustache"}};
    for (size_t i = 0; i < 2; i++) {
        int n = tenant ? snprintf(path, pathlen, "%s/%s/%s%s", dir, tenant, name, suffixes[kind][i])
                       : snprintf(path, pathlen, "%s/%s%s", dir, name, suffixes[kind][i]);
        if (n < 0 || (size_t)n >= pathlen) return -1;
        if (is_file(path)) return 1;
    }
    return 0;
}

int
tplpath_find(const char *dir, const char *tenant, const char *name, enum tplpath_kind kind,
             char *path, size_t pathlen)
{
    if (!dir || !tplpath_name_ok(name)) return 0;
    if (tenant && *tenant && tplpath_name_ok(tenant) && !strchr(tenant, '/')) {
        int rc = try_suffixes(dir, tenant, name, kind, path, pathlen);
        if (rc != 0) return rc;
    }
    return try_suffixes(dir, NULL, name, kind, path, pathlen);
}

int
tplpath_read(const char *path, const char *shown, size_t max, struct buf *src,
             struct tpl_error *err)
{
    if (buf_read_file(src, path, max) == 0) return 1;
    int e = errno;
    size_t n = strlen(shown); /* a long path keeps its end, where the file's name is */
    const char *cut = n > 230 ? "..." : "", *tail = n > 230 ? shown + n - 227 : shown;
    if (e == EFBIG)
        snprintf(err->msg, sizeof err->msg, "%s%s: larger than %zu bytes", cut, tail, max);
    else
        snprintf(err->msg, sizeof err->msg, "%s%s: %.60s", cut, tail, strerror(e));
    return -1;
}
