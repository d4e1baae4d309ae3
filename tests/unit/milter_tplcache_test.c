/*
 * milter_tplcache_test.c - compiled templates shared between messages of one body
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "tplcache.h"

static const struct tpl *
get(const char *src, const char *name, struct tplc_hold **hold)
{
    struct tpl_error te;
    return tplc_get(src, strlen(src), name, &te, hold);
}

/* Render `t` with {"x": "X"} into a static string. */
static const char *
show(const struct tpl *t)
{
    static char out[256];
    struct buf b = BUF_INIT;
    struct tpl_error te;
    json_t *v = json_pack("{s:s}", "x", "X");
    struct tpl_render_opts ro = {.context = TPL_TEXT};
    snprintf(out, sizeof out, "%s", tpl_render(t, v, &ro, &b, &te) == 0 ? buf_str(&b) : "error");
    json_decref(v);
    buf_free(&b);
    return out;
}

static void
same_source_is_compiled_once(void)
{
    struct tplc_hold *a, *b;
    const struct tpl *t1 = get("Hi {{x}}", "html", &a);
    char copy[] = "Hi {{x}}"; /* equal bytes elsewhere */
    const struct tpl *t2 = get(copy, "html", &b);
    ok(t1 && t1 == t2, "the second message of the same body gets the same template");
    is_str(show(t2), "Hi X", "which renders as compiled");
    tplc_release(a);
    tplc_release(b);
    tplc_clear();
}

static void
name_and_bytes_both_count(void)
{
    struct tplc_hold *a, *b, *c;
    const struct tpl *t1 = get("Hi {{x}}", "html", &a);
    const struct tpl *t2 = get("Hi {{x}}", "text", &b);
    const struct tpl *t3 = get("Hi {{x}}!", "html", &c);
    ok(t1 != t2, "another name is another template");
    ok(t1 != t3, "another source is another template");
    is_str(show(t3), "Hi X!", "each renders its own source");
    tplc_release(a);
    tplc_release(b);
    tplc_release(c);
    tplc_clear();
}

static void
compile_errors_are_reported_every_time(void)
{
    struct tplc_hold *h = (struct tplc_hold *)&h;
    struct tpl_error te;
    ok(!tplc_get("{{#a}}", 6, "html", &te, &h) && !h, "an unclosed section fails");
    like(te.msg, "never closed", "with the compiler's reason");
    ok(!tplc_get("{{#a}}", 6, "html", &te, &h), "and fails again the next time");
}

static void
evicted_template_lives_while_held(void)
{
    struct tplc_hold *held, *h;
    const struct tpl *t = get("first {{x}}", "html", &held);
    char src[32];
    for (int i = 0; i < 2 * TPLC_ENTRIES; i++) { /* push it out */
        snprintf(src, sizeof src, "other %d {{x}}", i);
        get(src, "html", &h);
        tplc_release(h);
    }
    is_str(show(t), "first X", "a template pushed out of the cache still renders for its holder");
    struct tplc_hold *again;
    ok(get("first {{x}}", "html", &again) != t, "and is compiled anew after");
    tplc_release(again);
    tplc_release(held);
    tplc_clear();
}

int
main(void)
{
    same_source_is_compiled_once();
    name_and_bytes_both_count();
    compile_errors_are_reported_every_time();
    evicted_template_lives_while_held();
    return tap_done();
}
