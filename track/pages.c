/*
 * pages.c - compile and render the page templates (see pages.h)
 *
 * One tpl_set per tenant with a folder under DIR, plus the default one.
 * Each set's loader finds a page the way `tern render --tenant` finds a
 * partial (lib/tplpath: DIR/<tenant>/NAME, then DIR/NAME, each bare or
 * with ".mustache") and falls back to the built-in source. Unknown names
 * (a partial an override asks for) are looked up in the files only.
 */
#include "pages.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pages_int.h"
#include "tpl.h"
#include "tplpath.h"

#define PAGE_FILE_MAX (256 * 1024)
#define TENANTS_MAX   256 /* tenant folders under track.pages */

struct page_set {
    const char *dir; /* the pages' DIR (NULL: built in only) */
    char *tenant;    /* NULL: the default set */
    struct tpl_set *set;
};

struct tr_pages {
    char *dir;
    struct page_set *sets; /* sets[0] is the default one */
    size_t n;
};

static const char *
builtin_source(const char *name)
{
    for (const struct tr_page_src *p = tr_builtin_pages; p->name; p++)
        if (strcmp(p->name, name) == 0) return p->src;
    return NULL;
}

/* The file page `name` comes from for set `s`: 1 with `path`, 0 built in or none. */
static int
page_file(const struct page_set *s, const char *name, char *path, size_t len)
{
    if (!s->dir) return 0;
    return tplpath_find(s->dir, s->tenant, name, TPLPATH_PARTIAL, path, len) == 1;
}

static int
load_page(void *ctx, const char *name, struct buf *src, struct tpl_error *err)
{
    const struct page_set *s = ctx;
    char path[4096];
    if (page_file(s, name, path, sizeof path))
        return tplpath_read(path, path, PAGE_FILE_MAX, src, err);
    const char *builtin = builtin_source(name);
    if (!builtin) return 0;
    return buf_puts(src, builtin) ? 1 : -1;
}

/* Compile every page of set `s`; -1 naming the page's file when one does not compile. */
static int
compile_set(struct page_set *s, char *err, size_t errlen)
{
    if (!(s->set = tpl_set_new(load_page, s, NULL))) {
        snprintf(err, errlen, "pages: out of memory");
        return -1;
    }
    for (const struct tr_page_src *p = tr_builtin_pages; p->name; p++) {
        struct tpl_error te = {0};
        if (tpl_set_get(s->set, p->name, &te)) continue;
        char path[4096];
        if (!page_file(s, p->name, path, sizeof path))
            snprintf(path, sizeof path, "(built in)/%s.mustache", p->name);
        snprintf(err, errlen, "pages %s: %s", path, te.msg);
        return -1;
    }
    return 0;
}

/* A tenant folder: a directory whose name is a tenant id (sql/0001_contacts.sql). */
static bool
tenant_dir(const char *dir, const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 63 || !strchr("abcdefghijklmnopqrstuvwxyz0123456789", name[0]) ||
        strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
        return false;
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
add_set(struct tr_pages *p, const char *tenant, char *err, size_t errlen)
{
    struct page_set *grown = realloc(p->sets, (p->n + 1) * sizeof *grown);
    if (!grown) return snprintf(err, errlen, "pages: out of memory"), -1;
    p->sets = grown;
    struct page_set *s = &p->sets[p->n++];
    *s = (struct page_set){p->dir, tenant ? strdup(tenant) : NULL, NULL};
    if (tenant && !s->tenant) return snprintf(err, errlen, "pages: out of memory"), -1;
    return compile_set(s, err, errlen);
}

/* One set per tenant folder under `p->dir`. */
static int
add_tenant_sets(struct tr_pages *p, char *err, size_t errlen)
{
    DIR *d = opendir(p->dir);
    if (!d) /* a misspelt folder must not quietly serve the built-in pages */
        return snprintf(err, errlen, "pages %s: %s", p->dir, strerror(errno)), -1;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)))
        if (tenant_dir(p->dir, e->d_name)) {
            rc = p->n > TENANTS_MAX ? -1 : add_set(p, e->d_name, err, errlen);
            if (p->n > TENANTS_MAX)
                snprintf(err, errlen, "pages %s: more than %d tenant folders", p->dir, TENANTS_MAX);
        }
    closedir(d);
    return rc;
}

struct tr_pages *
tr_pages_new(const char *dir, char *err, size_t errlen)
{
    struct tr_pages *p = calloc(1, sizeof *p);
    if (!p || (dir && !(p->dir = strdup(dir)))) {
        snprintf(err, errlen, "pages: out of memory");
        tr_pages_free(p);
        return NULL;
    }
    if (add_set(p, NULL, err, errlen) < 0 || (dir && add_tenant_sets(p, err, errlen) < 0)) {
        tr_pages_free(p);
        return NULL;
    }
    return p;
}

void
tr_pages_free(struct tr_pages *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) {
        tpl_set_free(p->sets[i].set);
        free(p->sets[i].tenant);
    }
    free(p->sets);
    free(p->dir);
    free(p);
}

bool
tr_pages_per_tenant(const struct tr_pages *p)
{
    return p->n > 1;
}

static struct tpl_set *
set_of(const struct tr_pages *p, const char *tenant)
{
    for (size_t i = 1; tenant && i < p->n; i++)
        if (strcmp(p->sets[i].tenant, tenant) == 0) return p->sets[i].set;
    return p->sets[0].set;
}

int
tr_pages_render(struct tr_pages *p, const char *tenant, const char *name, json_t *view,
                struct buf *out, char *err, size_t errlen)
{
    struct tpl_error te = {0};
    struct tpl_set *set = set_of(p, tenant);
    const struct tpl *t = tpl_set_get(set, name, &te);
    struct tpl_render_opts ro = {
        .context = TPL_HTML, .partial = tpl_set_partial, .partial_ctx = set};
    if (!t || tpl_render(t, view, &ro, out, &te) < 0) {
        snprintf(err, errlen, "page %s: %s", name, te.msg[0] ? te.msg : "not found");
        return -1;
    }
    return 0;
}
