/*
 * tplpath_test.c - the templates directory lookup: tenant overrides first,
 * suffix order per kind, nothing outside the directory; reading a file found
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "tplpath.h"

static char dir[4096];

static void
touch(const char *rel)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    if (f) fclose(f);
}

/* The path found for `name`, relative to dir, or "-" when none. */
static const char *
find(const char *tenant, const char *name, enum tplpath_kind kind)
{
    static char path[4400];
    if (tplpath_find(dir, tenant, name, kind, path, sizeof path) != 1) return "-";
    return path + strlen(dir) + 1;
}

/* Write `text` to dir/rel. */
static void
write_file(const char *rel, const char *text)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* tplpath_read of dir/rel with at most `max` bytes: its answer, the text and the error. */
static int
read_rel(const char *rel, size_t max, struct buf *src, struct tpl_error *err)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    buf_truncate(src, 0);
    memset(err, 0, sizeof *err);
    return tplpath_read(path, rel, max, src, err);
}

static void
reading(void)
{
    struct buf src = BUF_INIT;
    struct tpl_error err;
    write_file("footer.mustache", "<p>{{name}}</p>");
    is_int(read_rel("footer.mustache", 64, &src, &err), 1, "a file found is read");
    is_str(buf_str(&src), "<p>{{name}}</p>", "whole");
    is_int(read_rel("footer.mustache", 15, &src, &err), 1, "a file of exactly the cap is read");
    is_int(read_rel("footer.mustache", 14, &src, &err), -1, "a file over the cap is refused");
    is_str(err.msg, "footer.mustache: larger than 14 bytes", "the error names it and the cap");
    is_int((int)src.len, 0, "and nothing of it is kept");
    is_int(read_rel("gone.mustache", 64, &src, &err), -1, "a file gone since it was found fails");
    is_str(err.msg, "gone.mustache: No such file or directory", "and says why");
    char deep[300];
    memset(deep, 'd', sizeof deep);
    memcpy(deep + sizeof deep - 16, "/gone.mustache", 15); /* with its NUL */
    buf_truncate(&src, 0);
    tplpath_read("/nonexistent", deep, 64, &src, &err);
    ok(strncmp(err.msg, "...ddd", 6) == 0 &&
           strstr(err.msg, "d/gone.mustache: No such file or directory") != NULL,
       "a long path keeps its end, the file's name");
    buf_free(&src);
}

static void
setup(void)
{
    const char *base = getenv("TERN_TMPDIR");
    snprintf(dir, sizeof dir, "%s/tplpath.XXXXXX", base ? base : "/tmp");
    if (base) mkdir(base, 0755);
    if (!mkdtemp(dir)) {
        printf("Bail out! cannot make %s\n", dir);
        exit(1);
    }
    char sub[4400];
    snprintf(sub, sizeof sub, "%s/nl", dir);
    mkdir(sub, 0755);
    snprintf(sub, sizeof sub, "%s/layout.tpl", dir);
    mkdir(sub, 0755); /* a directory is not a template */
    touch("welcome.tpl");
    touch("nl/welcome.tpl");
    touch("receipt");
    touch("footer");
    touch("footer.mustache");
    touch("header.mustache");
    touch("nl/header.mustache");
}

static void
teardown(void)
{
    char cmd[4500];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) diag("could not remove %s", dir);
}

int
main(void)
{
    setup();
    is_str(find("nl", "welcome", TPLPATH_TEMPLATE), "nl/welcome.tpl",
           "a tenant's own template comes first");
    is_str(find("de", "welcome", TPLPATH_TEMPLATE), "welcome.tpl",
           "a tenant without an override gets the shared template");
    is_str(find(NULL, "welcome", TPLPATH_TEMPLATE), "welcome.tpl",
           "no tenant: the shared template");
    is_str(find("nl", "receipt", TPLPATH_TEMPLATE), "receipt",
           "a template file may also be named without .tpl");
    is_str(find(NULL, "footer", TPLPATH_PARTIAL), "footer", "a partial's bare name comes first");
    is_str(find(NULL, "header", TPLPATH_PARTIAL), "header.mustache", "then NAME.mustache");
    is_str(find("nl", "header", TPLPATH_PARTIAL), "nl/header.mustache",
           "a tenant overrides a partial too");
    is_str(find(NULL, "layout", TPLPATH_TEMPLATE), "-", "a directory is not a template");
    is_str(find(NULL, "missing", TPLPATH_TEMPLATE), "-", "a missing template is not found");
    is_str(find(NULL, "../welcome", TPLPATH_TEMPLATE), "-", "a name with .. is refused");
    is_str(find(NULL, "/etc/passwd", TPLPATH_PARTIAL), "-", "an absolute name is refused");
    is_str(find(NULL, ".hidden", TPLPATH_TEMPLATE), "-", "a name starting with a dot is refused");
    is_str(find("../nl", "welcome", TPLPATH_TEMPLATE), "welcome.tpl",
           "a tenant that is not a plain name is ignored");
    char small[8];
    is_int(tplpath_find(dir, NULL, "welcome", TPLPATH_TEMPLATE, small, sizeof small), -1,
           "a path that does not fit is an error, not a truncated lookup");
    reading();
    teardown();
    return tap_done();
}
