/*
 * tpl_test.c - behaviour of lib/tpl beyond the Mustache spec: filters,
 * escaping contexts, caps, strict and lenient modes, error positions,
 * compile once / render many, concurrent rendering.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "tap.h"
#include "tpl.h"

static struct tpl_error err;
static struct buf out = BUF_INIT;

/* Compile and render `src` against JSON `view`; the output, or NULL with `err` filled. */
static const char *
render_with(const char *src, const char *view, const struct tpl_render_opts *ro)
{
    json_t *v = view ? json_loads(view, 0, NULL) : NULL;
    struct tpl *t = tpl_compile(src, strlen(src), NULL, &err);
    buf_reset(&out);
    int rc = t ? tpl_render(t, v, ro, &out, &err) : -1;
    tpl_free(t);
    json_decref(v);
    return rc == 0 ? buf_str(&out) : NULL;
}

static const char *
render(const char *src, const char *view)
{
    return render_with(src, view, NULL);
}

static const char *
render_text(const char *src, const char *view)
{
    struct tpl_render_opts ro = {.context = TPL_TEXT};
    return render_with(src, view, &ro);
}

static const char *
render_strict(const char *src, const char *view)
{
    struct tpl_render_opts ro = {.strict = true};
    return render_with(src, view, &ro);
}

static struct tpl *
compile(const char *src, const struct tpl_opts *o, struct tpl_error *e)
{
    return tpl_compile(src, strlen(src), o, e);
}

static void
set_add(struct tpl_set *set, const char *name, const char *src)
{
    if (tpl_set_add(set, name, src, strlen(src), &err) < 0) diag("%s: %s", name, err.msg);
}

/* The compile error for `src`, "" when it compiles. */
static const char *
compile_error(const char *src)
{
    struct tpl *t = tpl_compile(src, strlen(src), NULL, &err);
    if (t) err.msg[0] = '\0';
    tpl_free(t);
    return err.msg;
}

/* ------------------------------------------------------------------ names */

static void
dotted_names_reach_into_nested_json(void)
{
    is_str(
        render("Hi {{contact.address.city}}!", "{\"contact\":{\"address\":{\"city\":\"Lyon\"}}}"),
        "Hi Lyon!", "a.b.c walks nested objects");
    is_str(render("{{order.items.1.sku}}",
                  "{\"order\":{\"items\":[{\"sku\":\"A\"},{\"sku\":\"B\"}]}}"),
           "B", "a numeric part indexes an array");
    is_str(render("[{{contact.address.zip}}]", "{\"contact\":{\"address\":{}}}"), "[]",
           "a broken chain renders empty");
}

static void
dotted_names_do_not_search_down_the_stack_after_the_first_part(void)
{
    is_str(render("{{#a}}{{b.c}}{{/a}}", "{\"a\":{\"b\":{}},\"b\":{\"c\":\"ERROR\"}}"), "",
           "b found in a, so b.c is a miss, not the outer b.c");
    is_str(render("{{#a}}{{c}}{{/a}}", "{\"a\":{},\"c\":\"outer\"}"), "outer",
           "a plain name walks up the context stack");
}

static void
scalar_values_render_as_text(void)
{
    is_str(render("{{i}} {{r}} {{t}} {{f}}", "{\"i\":-42,\"r\":1.5,\"t\":true,\"f\":false}"),
           "-42 1.5 true false", "numbers and booleans");
    is_str(render_text("{{o}}", "{\"o\":{\"a\":[1,2]}}"), "{\"a\":[1,2]}",
           "objects show as compact JSON");
}

/* ------------------------------------------------------------------ escaping */

static void
html_context_escapes_five_characters(void)
{
    is_str(render("{{x}}", "{\"x\":\"<a href=\\\"q\\\">Tom & Jerry's</a>\"}"),
           "&lt;a href=&quot;q&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;", "& < > \" ' escaped");
}

static void
text_context_escapes_nothing(void)
{
    is_str(render_text("{{x}}", "{\"x\":\"<b>Tom & Jerry's</b>\"}"), "<b>Tom & Jerry's</b>",
           "raw in text parts");
}

static void
triple_mustache_and_ampersand_never_escape(void)
{
    is_str(render("{{{x}}}|{{& x}}", "{\"x\":\"<br>\"}"), "<br>|<br>", "both raw in HTML");
}

/* ------------------------------------------------------------------ filters */

static void
default_replaces_missing_null_false_and_empty(void)
{
    const char *src = "{{a | default: \"there\"}} {{b | default: \"there\"}} "
                      "{{c | default: 'there'}} {{d | default: \"there\"}}";
    is_str(render(src, "{\"b\":null,\"c\":false,\"d\":\"\"}"), "there there there there",
           "missing, null, false and \"\" all fall back");
}

static void
default_keeps_present_values(void)
{
    is_str(render("{{n | default: 5}} {{s | default: \"x\"}}", "{\"n\":0,\"s\":\"Ann\"}"), "0 Ann",
           "zero and text are kept");
}

static void
default_does_not_count_as_a_miss(void)
{
    ok(render("{{a | default: \"x\"}}", "{}") && err.misses == 0, "no miss when default applies");
}

static void
upcase_and_downcase_change_ascii_letters_only(void)
{
    is_str(render("{{s | upcase}} {{s | downcase}}", "{\"s\":\"Ève abc-XYZ\"}"),
           "ÈVE ABC-XYZ Ève abc-xyz", "non-ASCII letters are left alone");
}

static void
capitalize_changes_the_first_letter_only(void)
{
    is_str(render("{{s | capitalize}}", "{\"s\":\"ann MARIE\"}"), "Ann MARIE", "first letter up");
    is_str(render("{{s | capitalize}}", "{\"s\":\"élise\"}"), "élise",
           "non-ASCII first letter kept");
    is_str(render("[{{s | capitalize}}]", "{\"s\":\"\"}"), "[]", "empty string stays empty");
}

static void
date_formats_iso_8601_in_utc(void)
{
    is_str(render("{{d | date: \"%Y-%m-%d %H:%M\"}}", "{\"d\":\"2024-03-05T23:30:00+02:00\"}"),
           "2024-03-05 21:30", "offset converted to UTC");
    is_str(render("{{d | date: \"%A %-d %B %Y\"}}", "{\"d\":\"2024-02-29\"}"),
           "Thursday 29 February 2024", "names and unpadded day");
    is_str(render("{{d | date}}", "{\"d\":\"2024-12-31T23:59:59.999Z\"}"), "2024-12-31",
           "default format, fractions ignored");
}

static void
date_formats_unix_seconds(void)
{
    is_str(render("{{d | date: \"%F %T %Z\"}}", "{\"d\":86400}"), "1970-01-02 00:00:00 UTC",
           "a JSON number");
    is_str(render("{{d | date: \"%d/%m/%y %I%p\"}}", "{\"d\":\"1700000000\"}"), "14/11/23 10PM",
           "a string of digits");
    is_str(render("{{d | date: \"%Y-%m-%d\"}}", "{\"d\":-1}"), "1969-12-31", "before the epoch");
}

static void
date_rejects_what_is_not_a_date(void)
{
    ok(render_strict("{{d | date}}", "{\"d\":\"2024-02-30\"}") == NULL, "no 30 February (strict)");
    like(err.msg, "is not an ISO 8601 date", "the message says why");
    is_str(render("[{{d | date}}]", "{\"d\":\"soon\"}"), "[]", "lenient: empty");
    is_int(err.misses, 1, "lenient: counted as a miss");
    is_str(render("{{d | date | default: \"soon\"}}", "{\"d\":\"soon\"}"), "soon",
           "a default after it catches the failure");
}

static void
number_groups_thousands(void)
{
    is_str(render("{{a | number}} {{b | number}} {{c | number}} {{d | number}}",
                  "{\"a\":1234567,\"b\":-1234.5,\"c\":999,\"d\":\"9876543210123456789\"}"),
           "1,234,567 -1,234.5 999 9,876,543,210,123,456,789", "integers, fractions, big strings");
}

static void
number_rounds_half_away_from_zero(void)
{
    is_str(render("{{a | number: 2}} {{b | number: 2}} {{c | number: 0}} {{d | number: 2}}",
                  "{\"a\":2.675,\"b\":999.995,\"c\":-2.5,\"d\":\"-0.001\"}"),
           "2.68 1,000.00 -3 0.00", "decimal rounding, carry, no negative zero");
    is_str(render("{{a | number: 3}}", "{\"a\":7}"), "7.000", "pads to the given decimals");
}

static void
number_rejects_text(void)
{
    ok(render_strict("{{a | number}}", "{\"a\":\"12abc\"}") == NULL, "12abc is not a number");
    like(err.msg, "\"12abc\" is not a number", "the message quotes it");
    ok(render_strict("{{a | number}}", "{\"a\":\"0x10\"}") == NULL, "no hexadecimal");
}

static void
money_formats_code_and_symbol(void)
{
    is_str(render_text("{{a | money: \"EUR\"}}|{{b | money: \"EUR\"}}|{{a | money: \"€\"}}|"
                       "{{b | money: \"$\"}}|{{c | money}}",
                       "{\"a\":1234.5,\"b\":-3,\"c\":\"0.125\"}"),
           "EUR 1,234.50|EUR -3.00|€1,234.50|-$3.00|0.13", "code, symbol, none");
}

static void
url_encode_keeps_unreserved_characters_only(void)
{
    is_str(render("{{q | url_encode}}", "{\"q\":\"a b&c=d/é~._-\"}"), "a%20b%26c%3Dd%2F%C3%A9~._-",
           "RFC 3986 unreserved kept, UTF-8 bytes encoded");
}

static void
truncate_counts_characters_not_bytes(void)
{
    is_str(render("{{s | truncate: 5}}", "{\"s\":\"Crème brûlée\"}"), "Crèm…",
           "four characters and an ellipsis");
    is_str(render("{{s | truncate: 5}}", "{\"s\":\"héllo\"}"), "héllo", "exactly 5 is unchanged");
    is_str(render("{{s | truncate: 7}}", "{\"s\":\"Hello world\"}"), "Hello…",
           "blanks before the ellipsis are dropped");
}

static void
filter_chains_apply_left_to_right(void)
{
    is_str(render("{{name | downcase | capitalize}}", "{\"name\":\"jOHN\"}"), "John",
           "downcase then capitalize");
    is_str(render("{{name | default: \"friend\" | upcase}}", "{}"), "FRIEND",
           "default then upcase");
    is_str(render("{{ total | number: 1 | truncate: 4 }}", "{\"total\":12345}"), "12,…",
           "a number is text for the next filter");
}

static void
filters_escape_their_output_in_html(void)
{
    is_str(render("{{a | default: \"<none>\"}}", "{}"), "&lt;none&gt;", "default text is escaped");
    is_str(render("{{{a | default: \"<none>\"}}}", "{}"), "<none>", "unless the tag is raw");
}

static void
unknown_filter_is_a_compile_error_with_position(void)
{
    is_str(compile_error("Hi\n  {{name | upcas}}"), "line 2, column 12: unknown filter \"upcas\"",
           "line and column of the filter");
}

static void
bad_filter_arguments_are_compile_errors(void)
{
    like(compile_error("{{a | truncate: \"x\"}}"), "needs a whole number",
         "truncate wants a number");
    like(compile_error("{{a | truncate}}"), "needs a whole number", "truncate needs its argument");
    like(compile_error("{{a | upcase: 1}}"), "takes no argument", "upcase takes none");
    like(compile_error("{{a | number: 11}}"), "from 0 to 10", "decimals are bounded");
    like(compile_error("{{a | date: \"%Q\"}}"), "unsupported conversion \"%Q\"",
         "unknown date conversion");
    like(compile_error("{{a | default: \"x}}"), "unclosed quote", "unclosed quote");
    like(compile_error("{{a | default}}"), "needs an argument", "default needs its fallback");
    like(compile_error("{{a | }}"), "expected a filter name", "empty filter");
}

static void
filters_are_refused_outside_interpolations(void)
{
    like(compile_error("{{#a | upcase}}x{{/a}}"), "interpolation tags only",
         "no filters on sections");
}

/* ------------------------------------------------------------------ caps */

static void
output_cap_exceeded_is_an_error(void)
{
    struct tpl_render_opts ro = {.max_output = 10};
    buf_reset(&out);
    buf_puts(&out, "kept:");
    struct tpl *t = compile("{{#l}}abcd{{/l}}", NULL, &err);
    json_t *v = json_loads("{\"l\":[1,2,3]}", 0, NULL);
    ok(t && tpl_render(t, v, &ro, &out, &err) < 0, "12 bytes do not fit in 10");
    like(err.msg, "larger than the limit of 10 bytes", "the error names the cap");
    is_str(buf_str(&out), "kept:", "the output is restored, not truncated");
    ro.max_output = 12;
    ok(tpl_render(t, v, &ro, &out, &err) == 0, "exactly at the cap is fine");
    tpl_free(t);
    json_decref(v);
}

static const struct tpl *
self_partial(void *ctx, const char *name, struct tpl_error *e)
{
    (void)e;
    return strcmp(name, "loop") == 0 ? ctx : NULL;
}

static void
recursive_partial_is_an_error(void)
{
    struct tpl_opts o = {.name = "loop"};
    struct tpl *t = compile("x{{>loop}}", &o, &err);
    struct tpl_render_opts ro = {.partial = self_partial, .partial_ctx = t};
    buf_reset(&out);
    ok(t && tpl_render(t, NULL, &ro, &out, &err) < 0, "stops instead of overflowing the stack");
    like(err.msg, "nested more than 32 deep", "the error says why");
    tpl_free(t);
}

static void
deep_section_nesting_is_a_compile_error(void)
{
    struct buf src = BUF_INIT;
    for (int i = 0; i < TPL_MAX_NESTING + 1; i++)
        buf_puts(&src, "{{#a}}");
    like(compile_error(buf_str(&src)), "nested more than 64 deep", "65 levels refused");
    buf_free(&src);
}

static void
oversized_source_is_refused(void)
{
    struct tpl_opts o = {.max_source = 8};
    ok(compile("123456789", &o, &err) == NULL, "9 bytes over a cap of 8");
    like(err.msg, "more than the limit of 8", "the error names the limit");
}

/* ------------------------------------------------------------------ modes */

static void
strict_mode_missing_variable_is_an_error_with_position(void)
{
    ok(render_strict("Hello\n  {{contact.first_name}}!", "{\"contact\":{}}") == NULL, "fails");
    is_str(err.msg, "line 2, column 3: variable \"contact.first_name\" is missing", "names it");
    is_int(err.line, 2, "line field");
    is_int(err.column, 3, "column field");
    ok(render_strict("{{x}}", "{\"x\":null}") == NULL, "null is missing too");
    like(err.msg, "is null", "and says so");
    is_str(render_strict("{{#no}}x{{/no}}{{^no}}y{{/no}}", "{}"), "y",
           "sections over missing names are just false");
}

static const struct tpl *
one_partial(void *ctx, const char *name, struct tpl_error *e)
{
    (void)e;
    return strcmp(name, tpl_name(ctx)) == 0 ? ctx : NULL;
}

static void
strict_mode_error_inside_a_partial_names_the_partial(void)
{
    struct tpl_opts o = {.name = "footer"};
    struct tpl *p = compile("\n{{unsub}}", &o, &err);
    struct tpl *t = compile("{{>footer}}", NULL, &err);
    struct tpl_render_opts ro = {.strict = true, .partial = one_partial, .partial_ctx = p};
    buf_reset(&out);
    ok(tpl_render(t, NULL, &ro, &out, &err) < 0, "fails");
    is_str(err.msg, "partial \"footer\": line 2, column 1: variable \"unsub\" is missing",
           "partial, position, variable");
    ok(render_strict("{{>nowhere}}", "{}") == NULL, "a missing partial is an error");
    like(err.msg, "partial \"nowhere\" not found", "naming it");
    tpl_free(p);
    tpl_free(t);
}

static void
lenient_mode_counts_misses(void)
{
    is_str(render("Hi {{first}} {{last}}, {{a.b}}{{x}}", "{\"x\":null}"), "Hi  , ",
           "misses render empty");
    is_int(err.misses, 4, "four merge fields were empty");
    is_str(err.first_miss, "first", "the first one is named");
    ok(render("{{y}}", "{\"y\":\"\"}") && err.misses == 0, "an empty string is not a miss");
}

/* ------------------------------------------------------------------ errors */

static void
unclosed_section_error_has_line_and_column(void)
{
    is_str(compile_error("<ul>\n\n\n  <li>{{#items}}{{name}}\n</ul>"),
           "line 4, column 7: section \"items\" is never closed", "points at the opening tag");
}

static void
mismatched_close_tag_is_an_error(void)
{
    is_str(compile_error("{{#a}}\n{{#b}}{{/a}}"),
           "line 2, column 7: closing tag \"a\" does not match \"b\" opened at line 2, column 1",
           "names both tags");
    like(compile_error("x {{/a}}"), "column 3: closing tag \"a\" has no open section",
         "stray close");
}

static void
unclosed_tag_is_an_error(void)
{
    is_str(compile_error("Hi {{name"), "line 1, column 4: tag is never closed (no \"}}\" follows)",
           "says which delimiter is missing");
    like(compile_error("{{{name}}"), "no \"}}}\" follows", "triple mustache needs three");
}

static void
malformed_delimiters_are_compile_errors(void)
{
    like(compile_error("{{=<% =}}"), "bad delimiter change", "one delimiter");
    like(compile_error("{{=<% %>}}"), "bad delimiter change", "no closing =");
    like(compile_error("{{=a=b c=}}"), "may not contain '='", "= inside");
    like(compile_error("x\n {{= =}}"), "line 2, column 2", "with its position");
    is_str(render("{{=<% %>=}}<%x%> {{x}}", "{\"x\":1}"), "1 {{x}}", "a good change works");
}

static void
bad_names_are_compile_errors(void)
{
    like(compile_error("{{a b}}"), "spaces are not allowed", "space in a name");
    like(compile_error("{{a..b}}"), "empty part", "empty dotted part");
    like(compile_error("{{}}"), "empty tag", "empty tag");
}

/* ------------------------------------------------------------------ reuse */

static void
compile_once_render_twice_with_different_views(void)
{
    const char *src = "Hi {{name | default: \"you\"}}:{{#items}} {{.}}{{/items}}";
    struct tpl *t = tpl_compile(src, strlen(src), NULL, &err);
    json_t *a = json_loads("{\"name\":\"Ann\",\"items\":[1,2]}", 0, NULL);
    json_t *b = json_loads("{\"items\":[\"x\"]}", 0, NULL);
    struct buf o1 = BUF_INIT, o2 = BUF_INIT;
    ok(t && tpl_render(t, a, NULL, &o1, &err) == 0 && tpl_render(t, b, NULL, &o2, &err) == 0,
       "both render");
    is_str(buf_str(&o1), "Hi Ann: 1 2", "first view");
    is_str(buf_str(&o2), "Hi you: x", "second view");
    buf_free(&o1);
    buf_free(&o2);
    json_decref(a);
    json_decref(b);
    tpl_free(t);
}

struct job {
    const struct tpl *t;
    struct tpl_set *set;
    json_t *view;
    const char *want;
    int bad;
};

static void *
render_many(void *arg)
{
    struct job *j = arg;
    struct tpl_render_opts ro = {.partial = tpl_set_partial, .partial_ctx = j->set};
    for (int i = 0; i < 300; i++) {
        struct buf o = BUF_INIT;
        struct tpl_error e;
        if (tpl_render(j->t, j->view, &ro, &o, &e) < 0 || strcmp(buf_str(&o), j->want) != 0)
            j->bad++;
        buf_free(&o);
    }
    return NULL;
}

static void
concurrent_renders_from_two_threads_agree(void)
{
    const char *src = "{{<layout}}{{$body}}{{#items}}<li>{{name | upcase}}: {{price | money: "
                      "\"EUR\"}}</li>\n{{/items}}{{/body}}{{/layout}}";
    struct tpl_set *set = tpl_set_new(NULL, NULL, NULL);
    set_add(set, "layout", "<ul>\n  {{$body}}{{/body}}\n</ul>\n{{>footer}}");
    set_add(set, "footer", "<p>{{shop}}</p>");
    struct tpl *t = tpl_compile(src, strlen(src), NULL, &err);
    json_t *v = json_loads("{\"shop\":\"A&B\",\"items\":[{\"name\":\"tea\",\"price\":3.5},"
                           "{\"name\":\"cup\",\"price\":12}]}",
                           0, NULL);
    struct tpl_render_opts ro = {.partial = tpl_set_partial, .partial_ctx = set};
    struct buf ref = BUF_INIT;
    ok(t && tpl_render(t, v, &ro, &ref, &err) == 0, "renders once");
    is_str(buf_str(&ref),
           "<ul>\n  <li>TEA: EUR 3.50</li>\n  <li>CUP: EUR 12.00</li>\n\n</ul>\n<p>A&amp;B</p>",
           "reference output");
    struct job jobs[2] = {{t, set, v, buf_str(&ref), 0}, {t, set, v, buf_str(&ref), 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, render_many, &jobs[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    is_int(jobs[0].bad + jobs[1].bad, 0, "600 concurrent renders match the reference");
    buf_free(&ref);
    json_decref(v);
    tpl_free(t);
    tpl_set_free(set);
}

static int loads;

static int
count_loads(void *ctx, const char *name, struct buf *src, struct tpl_error *e)
{
    (void)ctx, (void)e;
    loads++;
    if (strcmp(name, "hello") != 0) return 0;
    buf_puts(src, "Hello {{who}}");
    return 1;
}

static void
partial_set_loads_each_name_once(void)
{
    struct tpl_set *set = tpl_set_new(count_loads, NULL, NULL);
    struct tpl *t = compile("{{>hello}}{{>absent}}", NULL, &err);
    json_t *v = json_loads("{\"who\":\"you\"}", 0, NULL);
    struct tpl_render_opts ro = {.partial = tpl_set_partial, .partial_ctx = set};
    for (int i = 0; i < 3; i++) {
        buf_reset(&out);
        tpl_render(t, v, &ro, &out, &err);
    }
    is_str(buf_str(&out), "Hello you", "found partial renders, absent one is empty");
    is_int(loads, 2, "one load per name, misses remembered");
    json_decref(v);
    tpl_free(t);
    tpl_set_free(set);
}

static void
standalone_partial_lines_are_indented(void)
{
    struct tpl_set *set = tpl_set_new(NULL, NULL, NULL);
    set_add(set, "row", "<td>{{.}}</td>\n");
    struct tpl *t = compile("<tr>\n{{#c}}\n  {{>row}}\n{{/c}}\n</tr>", NULL, &err);
    json_t *v = json_loads("{\"c\":[1,2]}", 0, NULL);
    struct tpl_render_opts ro = {.partial = tpl_set_partial, .partial_ctx = set};
    buf_reset(&out);
    ok(t && tpl_render(t, v, &ro, &out, &err) == 0, "renders");
    is_str(buf_str(&out), "<tr>\n  <td>1</td>\n  <td>2</td>\n</tr>", "each line indented once");
    json_decref(v);
    tpl_free(t);
    tpl_set_free(set);
}

/* {"a": [1 .. 50]} */
static const char *
fifty(void)
{
    static char v[256];
    char *p = v + sprintf(v, "{\"a\": [");
    for (int i = 1; i <= 50; i++)
        p += sprintf(p, "%d%s", i, i < 50 ? "," : "]}");
    return v;
}

static void
a_render_stops_at_its_deadline(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    struct tpl_render_opts ro = {
        .context = TPL_TEXT, .deadline_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 50};
    const char *got =
        render_with("{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}", fifty(), &ro);
    ok(got == NULL, "sections nested over lists stop at the render's deadline");
    like(err.msg, "rendering took longer than its time limit", "saying so");
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ms = (double)(end.tv_sec - ts.tv_sec) * 1e3 + (double)(end.tv_nsec - ts.tv_nsec) / 1e6;
    ok(ms < 1000, "soon after it (%.0f ms for 50 ms)", ms);
}

int
main(void)
{
    dotted_names_reach_into_nested_json();
    dotted_names_do_not_search_down_the_stack_after_the_first_part();
    scalar_values_render_as_text();
    html_context_escapes_five_characters();
    text_context_escapes_nothing();
    triple_mustache_and_ampersand_never_escape();
    default_replaces_missing_null_false_and_empty();
    default_keeps_present_values();
    default_does_not_count_as_a_miss();
    upcase_and_downcase_change_ascii_letters_only();
    capitalize_changes_the_first_letter_only();
    date_formats_iso_8601_in_utc();
    date_formats_unix_seconds();
    date_rejects_what_is_not_a_date();
    number_groups_thousands();
    number_rounds_half_away_from_zero();
    number_rejects_text();
    money_formats_code_and_symbol();
    url_encode_keeps_unreserved_characters_only();
    truncate_counts_characters_not_bytes();
    filter_chains_apply_left_to_right();
    filters_escape_their_output_in_html();
    unknown_filter_is_a_compile_error_with_position();
    bad_filter_arguments_are_compile_errors();
    filters_are_refused_outside_interpolations();
    output_cap_exceeded_is_an_error();
    recursive_partial_is_an_error();
    deep_section_nesting_is_a_compile_error();
    oversized_source_is_refused();
    strict_mode_missing_variable_is_an_error_with_position();
    strict_mode_error_inside_a_partial_names_the_partial();
    lenient_mode_counts_misses();
    unclosed_section_error_has_line_and_column();
    mismatched_close_tag_is_an_error();
    unclosed_tag_is_an_error();
    malformed_delimiters_are_compile_errors();
    bad_names_are_compile_errors();
    compile_once_render_twice_with_different_views();
    concurrent_renders_from_two_threads_agree();
    partial_set_loads_each_name_once();
    standalone_partial_lines_are_indented();
    buf_free(&out);
    a_render_stops_at_its_deadline();
    return tap_done();
}
