/*
 * track_pages_test.c - page templates, built in and overridden (track/pages.c)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pages.h"
#include "tap.h"

static char err[512];

static char *
render_for(struct tr_pages *p, const char *tenant, const char *name, const char *view_json)
{
    static struct buf out;
    json_t *view = json_loads(view_json, 0, NULL);
    buf_reset(&out);
    int rc = tr_pages_render(p, tenant, name, view, &out, err, sizeof err);
    json_decref(view);
    return rc == 0 ? (char *)buf_str(&out) : NULL;
}

static char *
render(struct tr_pages *p, const char *name, const char *view_json)
{
    return render_for(p, NULL, name, view_json);
}

static void
built_in_pages_render_inside_the_layout(void)
{
    struct tr_pages *p = tr_pages_new(NULL, err, sizeof err);
    const char *html = p ? render(p, "confirm", "{}") : NULL;
    like(html, "<!doctype html>", "built_in_pages_render_inside_the_layout: the frame");
    like(html, "<title>Confirm your subscription</title>",
         "built_in_pages_render_inside_the_layout: the title block");
    tr_pages_free(p);
}

static void
echoed_values_are_escaped(void)
{
    struct tr_pages *p = tr_pages_new(NULL, err, sizeof err);
    const char *html = render(p, "unsubscribe", "{\"list\": \"<script>&\\\"x\"}");
    like(html, "&lt;script&gt;&amp;&quot;x", "echoed_values_are_escaped");
    tr_pages_free(p);
}

/* A scratch directory holding `name`.mustache with `src`, in its folder `tenant` if given. */
static char *
override_dir(const char *tenant, const char *name, const char *src)
{
    static char dir[64];
    char path[256];
    snprintf(dir, sizeof dir, "/tmp/track_pages_test.XXXXXX");
    if (!mkdtemp(dir)) return NULL;
    snprintf(path, sizeof path, "%s/%s", dir, tenant ? tenant : "");
    if (tenant) mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/%s%s%s.mustache", dir, tenant ? tenant : "", tenant ? "/" : "",
             name);
    FILE *f = fopen(path, "w");
    if (!f) return NULL;
    fputs(src, f);
    fclose(f);
    return dir;
}

static void
remove_dir(const char *dir, const char *tenant, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s%s%s.mustache", dir, tenant ? tenant : "", tenant ? "/" : "",
             name);
    unlink(path);
    snprintf(path, sizeof path, "%s/%s", dir, tenant ? tenant : "");
    if (tenant) rmdir(path);
    rmdir(dir);
}

static void
a_file_overrides_one_page_and_keeps_the_layout(void)
{
    char *dir =
        override_dir(NULL, "confirmed", "{{<layout}}{{$body}}<p>Merci</p>{{/body}}{{/layout}}");
    struct tr_pages *p = dir ? tr_pages_new(dir, err, sizeof err) : NULL;
    const char *html = p ? render(p, "confirmed", "{}") : NULL;
    like(html, "<p>Merci</p>", "a_file_overrides_one_page_and_keeps_the_layout: the override");
    like(html, "<!doctype html>", "a_file_overrides_one_page_and_keeps_the_layout: the layout");
    tr_pages_free(p);
    if (dir) remove_dir(dir, NULL, "confirmed");
}

static void
a_broken_override_is_refused_with_its_file_and_line(void)
{
    char *dir = override_dir(NULL, "unsubscribe", "<p>\n{{#list}}never closed\n");
    struct tr_pages *p = dir ? tr_pages_new(dir, err, sizeof err) : NULL;
    ok(!p, "a_broken_override_is_refused_with_its_file_and_line: refused");
    like(err, "unsubscribe.mustache: line 2",
         "a_broken_override_is_refused_with_its_file_and_line");
    tr_pages_free(p);
    if (dir) remove_dir(dir, NULL, "unsubscribe");
}

static void
a_tenant_folder_overrides_pages_for_that_tenant_only(void)
{
    char *dir =
        override_dir("nl", "confirmed", "{{<layout}}{{$body}}<p>Bedankt</p>{{/body}}{{/layout}}");
    struct tr_pages *p = dir ? tr_pages_new(dir, err, sizeof err) : NULL;
    ok(p && tr_pages_per_tenant(p), "a_tenant_folder_overrides_pages_for_that_tenant_only: found");
    like(p ? render_for(p, "nl", "confirmed", "{}") : NULL, "<p>Bedankt</p>",
         "a_tenant_folder_overrides_pages_for_that_tenant_only: the tenant's page");
    const char *other = p ? render_for(p, "be", "confirmed", "{}") : NULL;
    ok(other && !strstr(other, "Bedankt"),
       "a_tenant_folder_overrides_pages_for_that_tenant_only: not another tenant's");
    const char *plain = p ? render(p, "confirmed", "{}") : NULL;
    ok(plain && !strstr(plain, "Bedankt"),
       "a_tenant_folder_overrides_pages_for_that_tenant_only: nor the default");
    tr_pages_free(p);
    if (dir) remove_dir(dir, "nl", "confirmed");
}

static void
a_broken_tenant_override_is_refused_with_its_file(void)
{
    char *dir = override_dir("nl", "unsubscribe", "<p>\n{{#list}}never closed\n");
    struct tr_pages *p = dir ? tr_pages_new(dir, err, sizeof err) : NULL;
    ok(!p, "a_broken_tenant_override_is_refused_with_its_file: refused");
    like(err, "nl/unsubscribe.mustache: line 2",
         "a_broken_tenant_override_is_refused_with_its_file");
    tr_pages_free(p);
    if (dir) remove_dir(dir, "nl", "unsubscribe");
}

static void
a_missing_folder_is_refused(void)
{
    struct tr_pages *p = tr_pages_new("/nonexistent/tern-pages", err, sizeof err);
    ok(!p, "a_missing_folder_is_refused: refused");
    like(err, "pages /nonexistent/tern-pages: No such file or directory",
         "a_missing_folder_is_refused: names the folder and why");
    tr_pages_free(p);
}

int
main(void)
{
    built_in_pages_render_inside_the_layout();
    echoed_values_are_escaped();
    a_file_overrides_one_page_and_keeps_the_layout();
    a_broken_override_is_refused_with_its_file_and_line();
    a_tenant_folder_overrides_pages_for_that_tenant_only();
    a_broken_tenant_override_is_refused_with_its_file();
    a_missing_folder_is_refused();
    return tap_done();
}
