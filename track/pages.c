/*
 * pages.c - compile and render the page templates (see pages.h)
 *
 * A tpl_set holds the compiled pages; its loader reads DIR/NAME.mustache
 * when that file exists and falls back to the built-in source otherwise.
 * Unknown names (a partial an override asks for) are looked up in DIR only.
 */
#include "pages.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages_int.h"
#include "tpl.h"

#define PAGE_FILE_MAX (256 * 1024)

struct tr_pages {
    char *dir;
    struct tpl_set *set;
};

static const char *
builtin_source(const char *name)
{
    for (const struct tr_page_src *p = tr_builtin_pages; p->name; p++)
        if (strcmp(p->name, name) == 0) return p->src;
    return NULL;
}

/* Read DIR/NAME.mustache: 1 read, 0 no such file, -1 error. */
static int
read_override(const char *dir, const char *name, struct buf *src, struct tpl_error *err)
{
    char path[4096];
    if (!dir || strchr(name, '/') || name[0] == '.') return 0;
    snprintf(path, sizeof path, "%s/%s.mustache", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) return 0;
        snprintf(err->msg, sizeof err->msg, "%.240s: %.60s", path, strerror(errno));
        return -1;
    }
    char chunk[8192];
    size_t n;
    int rc = 1;
    while (rc == 1 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (src->len + n > PAGE_FILE_MAX || !buf_append(src, chunk, n)) {
            snprintf(err->msg, sizeof err->msg, "%.240s: larger than %d bytes", path,
                     PAGE_FILE_MAX);
            rc = -1;
        }
    if (rc == 1 && ferror(f)) {
        snprintf(err->msg, sizeof err->msg, "%.240s: read error", path);
        rc = -1;
    }
    fclose(f);
    return rc;
}

static int
load_page(void *ctx, const char *name, struct buf *src, struct tpl_error *err)
{
    struct tr_pages *p = ctx;
    int rc = read_override(p->dir, name, src, err);
    if (rc != 0) return rc;
    const char *builtin = builtin_source(name);
    if (!builtin) return 0;
    return buf_puts(src, builtin) ? 1 : -1;
}

struct tr_pages *
tr_pages_new(const char *dir, char *err, size_t errlen)
{
    struct tr_pages *p = calloc(1, sizeof *p);
    if (!p || (dir && !(p->dir = strdup(dir))) || !(p->set = tpl_set_new(load_page, p, NULL))) {
        snprintf(err, errlen, "pages: out of memory");
        tr_pages_free(p);
        return NULL;
    }
    for (const struct tr_page_src *s = tr_builtin_pages; s->name; s++) {
        struct tpl_error te = {0};
        if (tpl_set_get(p->set, s->name, &te)) continue;
        snprintf(err, errlen, "pages %s/%s.mustache: %s", dir ? dir : "(built in)", s->name,
                 te.msg);
        tr_pages_free(p);
        return NULL;
    }
    return p;
}

void
tr_pages_free(struct tr_pages *p)
{
    if (!p) return;
    tpl_set_free(p->set);
    free(p->dir);
    free(p);
}

int
tr_pages_render(struct tr_pages *p, const char *name, json_t *view, struct buf *out, char *err,
                size_t errlen)
{
    struct tpl_error te = {0};
    const struct tpl *t = tpl_set_get(p->set, name, &te);
    struct tpl_render_opts ro = {
        .context = TPL_HTML, .partial = tpl_set_partial, .partial_ctx = p->set};
    if (!t || tpl_render(t, view, &ro, out, &te) < 0) {
        snprintf(err, errlen, "page %s: %s", name, te.msg[0] ? te.msg : "not found");
        return -1;
    }
    return 0;
}
