/*
 * mustache_spec_test.c - the official Mustache spec, every test, as TAP
 *
 * Loads each module of $TERN_CONFORMANCE/mustache-spec/ with jansson and
 * runs every test through tpl_compile() and tpl_render() in HTML context
 * (what the spec expects of {{x}}), with the test's partials compiled into
 * a tpl_set. One TAP line per spec test, then "# module: passed/total".
 * Optional modules (~dynamic-names) report failures as TODO, not failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "tpl.h"

static const struct module {
    const char *file;
    const char *name;
    bool optional;
} modules[] = {
    {"comments.json", "comments", false},           {"delimiters.json", "delimiters", false},
    {"interpolation.json", "interpolation", false}, {"inverted.json", "inverted", false},
    {"partials.json", "partials", false},           {"sections.json", "sections", false},
    {"~inheritance.json", "inheritance", false},    {"~dynamic-names.json", "dynamic-names", true},
};

/* Render one spec test; the output (or the error) goes to `got`. */
static bool
run_one(json_t *test, struct buf *got)
{
    const char *src = json_string_value(json_object_get(test, "template"));
    json_t *partials = json_object_get(test, "partials");
    struct tpl_error err;
    struct tpl_set *set = tpl_set_new(NULL, NULL, NULL);
    const char *name;
    json_t *body;
    bool ok = set != NULL && src != NULL;
    json_object_foreach(partials, name, body)
    {
        const char *s = json_string_value(body);
        if (ok && s && tpl_set_add(set, name, s, strlen(s), &err) < 0) {
            buf_printf(got, "partial %s: %s", name, err.msg);
            ok = false;
        }
    }
    struct tpl *t = ok ? tpl_compile(src, strlen(src), NULL, &err) : NULL;
    if (ok && !t) buf_printf(got, "compile: %s", err.msg);
    struct tpl_render_opts ro = {
        .context = TPL_HTML, .partial = tpl_set_partial, .partial_ctx = set};
    if (t && tpl_render(t, json_object_get(test, "data"), &ro, got, &err) < 0)
        buf_printf(got, "render: %s", err.msg);
    const char *want = json_string_value(json_object_get(test, "expected"));
    ok = t && want && strcmp(buf_str(got), want) == 0;
    tpl_free(t);
    tpl_set_free(set);
    return ok;
}

static void
run_module(const char *dir, const struct module *m)
{
    struct buf path = BUF_INIT;
    json_error_t jerr;
    buf_printf(&path, "%s/mustache-spec/%s", dir, m->file);
    json_t *root = json_load_file(buf_str(&path), 0, &jerr);
    json_t *tests = json_object_get(root, "tests");
    if (!json_is_array(tests)) {
        ok(m->optional, "%s: cannot load %s: %s", m->name, buf_str(&path), jerr.text);
        json_decref(root);
        buf_free(&path);
        return;
    }
    size_t i, passed = 0;
    json_t *test;
    json_array_foreach(tests, i, test)
    {
        struct buf got = BUF_INIT;
        const char *name = json_string_value(json_object_get(test, "name"));
        bool pass = run_one(test, &got);
        passed += pass;
        if (pass || !m->optional) {
            ok(pass, "%s: %s", m->name, name ? name : "?");
        } else {
            printf("not ok %d - %s: %s # TODO optional module\n", ++tap_n, m->name, name);
        }
        if (!pass) {
            diag("  template: %s", json_string_value(json_object_get(test, "template")));
            diag("  got:      %s", buf_str(&got));
            diag("  want:     %s", json_string_value(json_object_get(test, "expected")));
        }
        buf_free(&got);
    }
    diag("%s: %zu/%zu%s", m->name, passed, json_array_size(tests),
         m->optional ? " (optional)" : "");
    json_decref(root);
    buf_free(&path);
}

int
main(void)
{
    const char *dir = getenv("TERN_CONFORMANCE");
    const char *src = getenv("TERN_SRCDIR");
    struct buf fallback = BUF_INIT;
    if (!dir || !*dir) { /* run by hand from the source tree */
        buf_printf(&fallback, "%s/tests/conformance", src && *src ? src : ".");
        dir = buf_str(&fallback);
    }
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++)
        run_module(dir, &modules[i]);
    buf_free(&fallback);
    return tap_done();
}
