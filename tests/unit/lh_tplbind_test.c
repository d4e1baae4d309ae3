/*
 * lh_tplbind_test.c - template.render from scripts
 *
 * Scripts in tests/lua/tplbind/probe.lua, templates in
 * tests/lua/tplbind/templates; the caching test writes its own templates
 * directory under TERN_TMPDIR.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lh_probe.h"
#include "lua/lh.h"
#include "tap.h"

static char err[4096];
static char root[PATH_MAX], templates[PATH_MAX + 16];

static struct lh_pool *
pool_with(const char *dir)
{
    struct lh_services svc = {.templates_dir = dir};
    return probe_pool("tplbind", &svc, 0); /* the caps, not the time limit, are under test */
}

static struct lh_pool *with_dir, *without_dir;

static const char *
probe(const char *func)
{
    return probe_call(with_dir, func, NULL);
}

static void
a_file_renders_its_html_part_by_default(void)
{
    is_str(probe("file_html"), "<p>Hello Ann &lt;3</p>\n<small>Shop</small>\n",
           "welcome.tpl's html part, escaped, with its partial");
}

static void
opts_part_picks_another_part(void)
{
    is_str(probe("file_subject"), "Welcome, Ann <3 & co", "the subject renders as raw text");
    is_str(probe("file_text"), "Hello Ann <3\n", "the text part is not escaped");
}

static void
a_missing_part_is_an_error(void)
{
    is_str(probe("missing_part"), "nil, template.render: html_only has no text part",
           "asking for a part the file lacks returns nil, err");
    is_str(probe("default_part_without_html"), "plain Shop\n",
           "without an html part the default is text");
}

static void
a_file_that_fails_to_parse_returns_its_error(void)
{
    const char *r = probe("broken_file");
    like(r, "nil, template.render: ", "nil and the reason");
    like(r, "template.render: broken.tpl:4:", "with the file (as named in the directory) and line");
    like(r, "never closed", "and what is wrong");
}

static void
a_string_that_names_no_file_is_mustache_source(void)
{
    is_str(probe("source_html"), "Hi Ann &lt;3", "source renders in HTML context by default");
    is_str(probe("source_text"), "Hi Ann <3", "part = \"text\" renders it unescaped");
    is_str(probe("source_partial"), "[<small>Shop</small>\n]",
           "partials come from the templates directory");
    is_str(probe("no_view"), "static text", "the view may be left out");
}

static void
template_errors_return_nil_and_where(void)
{
    like(probe("source_error"),
         "nil, template.render: line 1, column 4:", "a compile error names line and column");
    like(probe("strict_missing"), "nil, template.render: line 1, column 4: variable \"nobody\"",
         "strict mode refuses a missing variable");
    is_str(probe("lenient_missing"), "Hi !", "lenient mode renders it empty");
}

static void
names_cannot_walk_out_of_the_templates_directory(void)
{
    is_str(probe("walking_name"), "../templates/welcome", "a name with .. is only source text");
}

static void
without_a_templates_directory_names_are_source(void)
{
    is_str(probe_call(without_dir, "by_name", "welcome"), "welcome",
           "no directory: the name is text");
    is_str(probe_call(without_dir, "source_partial", NULL), "[]", "and partials render empty");
}

static void
output_is_capped(void)
{
    like(probe("big_output"), "nil, template.render: ", "10 MB of output is refused");
}

static void
nested_sections_stop_at_the_time_limit(void)
{
    struct lh_services svc = {.templates_dir = templates};
    struct lh_pool *p = probe_pool("tplbind", &svc, 200);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    like(probe_call(p, "nested_sections", NULL), "time limit exceeded",
         "sections nested over lists stop at the call's time limit");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    ok(ms < 1000, "inside the render, not after it (%.0f ms for a 200 ms budget)", ms);
    lh_pool_free(p);
}

static void
a_tenant_directory_overrides_files_and_partials(void)
{
    is_str(probe("tenant_file"), "<p>Hallo Ann &lt;3</p>\n<small>Shop Nederland</small>\n",
           "tenant nl renders nl/welcome.tpl with nl/footer.mustache");
    is_str(probe("tenant_fallback"), "<p>html</p>\n",
           "a tenant without an override gets the shared file");
    is_str(probe("tenant_partial"), "[<small>Shop Nederland</small>\n]",
           "a source string's partials come from the tenant's directory first");
    is_str(probe("tenant_other"), "<p>Hello Ann &lt;3</p>\n<small>Shop</small>\n",
           "another tenant still renders the shared template");
    like(probe("tenant_bad"), "tenant must be a tenant name", "a tenant that is a path raises");
}

static void
misuse_raises(void)
{
    like(probe("view_with_function"),
         "template.render: view.items[2]: a function cannot become JSON",
         "a view that cannot be JSON raises with the path");
    like(probe("name_not_string"), "template.render: expects a template name or source, got nil",
         "a missing name raises");
    like(probe("view_not_table"), "template.render: the view must be a table, got string",
         "a view that is not a table raises");
    like(probe("unknown_option"), "template.render: unknown option 'parts'",
         "an unknown option raises");
    like(probe("bad_part"), "template.render: part must be subject, from, reply-to",
         "an unknown part raises");
}

static void
write_template(const char *dir, const char *text)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/news.tpl", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void
files_are_read_once_per_generation(void)
{
    char dir[PATH_MAX];
    const char *tmp = getenv("TERN_TMPDIR");
    mkdir(tmp && *tmp ? tmp : "/tmp", 0777);
    snprintf(dir, sizeof dir, "%s/lh_tplbind.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        ok(0, "cannot make a scratch directory");
        return;
    }
    write_template(dir, "first");
    struct lh_pool *p = pool_with(dir);
    is_str(probe_call(p, "by_name", "news"), "first", "the file renders");
    write_template(dir, "second");
    is_str(probe_call(p, "by_name", "news"), "first",
           "a change on disk is not seen by the same states");
    ok(lh_pool_reload(p, root, err, sizeof err) == 0, "reload");
    is_str(probe_call(p, "by_name", "news"), "second", "the next generation reads it again");
    lh_pool_free(p);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/news.tpl", dir);
    unlink(path);
    rmdir(dir);
}

static void
a_memory_error_while_pushing_the_output_leaks_nothing(void)
{
    struct lh_services svc = {.templates_dir = templates};
    struct lh_pool *small = probe_pool_mem("tplbind", &svc, 4u << 20);
    like(probe_call(small, "render_repeat", "40000"), "memory limit exceeded",
         "4 MB of output in a 4 MiB state fails (the output buffer is freed)");
    is_str(probe_call(small, "render_repeat", "10"), "1000", "and the state serves the next call");
    lh_pool_free(small);
}

int
main(void)
{
    snprintf(root, sizeof root, "%s", probe_root("tplbind"));
    snprintf(templates, sizeof templates, "%s/templates", root);
    with_dir = pool_with(templates);
    without_dir = pool_with(NULL);
    a_file_renders_its_html_part_by_default();
    opts_part_picks_another_part();
    a_missing_part_is_an_error();
    a_file_that_fails_to_parse_returns_its_error();
    a_string_that_names_no_file_is_mustache_source();
    template_errors_return_nil_and_where();
    names_cannot_walk_out_of_the_templates_directory();
    a_tenant_directory_overrides_files_and_partials();
    without_a_templates_directory_names_are_source();
    output_is_capped();
    nested_sections_stop_at_the_time_limit();
    misuse_raises();
    files_are_read_once_per_generation();
    a_memory_error_while_pushing_the_output_leaks_nothing();
    lh_pool_free(with_dir);
    lh_pool_free(without_dir);
    return tap_done();
}
