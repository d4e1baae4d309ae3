/*
 * jsonw_test.c - JSON objects written straight into a buffer (lib/jsonw.c)
 */
#include <limits.h>
#include <string.h>

#include <jansson.h>

#include "jsonw.h"
#include "tap.h"

/* One object with the string member "s" = `v`, as text. */
static const char *
object_with(const char *v)
{
    static struct buf out;
    buf_reset(&out);
    struct jw w = JW_INIT(&out);
    jw_str(&w, "s", v);
    return jw_end(&w) ? buf_str(&out) : NULL;
}

/* The member "s" of `text` as jansson reads it back. */
static const char *
read_back(const char *text)
{
    static char got[256];
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    const char *s = json_string_value(json_object_get(o, "s"));
    snprintf(got, sizeof got, "%s", s ? s : "(not JSON)");
    json_decref(o);
    return got;
}

static void
members_are_written_in_order(void)
{
    struct buf out = BUF_INIT;
    struct jw w = JW_INIT(&out);
    jw_str(&w, "type", "email.click");
    jw_int(&w, "link", -3);
    jw_str(&w, "absent", NULL);
    jw_raw(&w, "data", "{\"a\":[1]}");
    jw_strn(&w, "url", "https://x/yz", 9);
    ok(jw_end(&w), "members_are_written_in_order: written");
    is_str(buf_str(&out),
           "{\"type\":\"email.click\",\"link\":-3,\"data\":{\"a\":[1]},\"url\":\"https://x\"}",
           "members_are_written_in_order");
    buf_free(&out);
}

static void
quotes_backslashes_and_control_characters_are_escaped(void)
{
    const char *text = object_with("a\"b\\c\n\x01");
    is_str(text, "{\"s\":\"a\\\"b\\\\c\\u000a\\u0001\"}",
           "quotes_backslashes_and_control_characters_are_escaped: the text");
    is_str(read_back(text), "a\"b\\c\n\x01",
           "quotes_backslashes_and_control_characters_are_escaped: read back");
}

static void
utf8_is_kept_and_other_bytes_become_replacement_characters(void)
{
    is_str(read_back(object_with("Gr\xc3\xbc\xc3\x9f \xe2\x82\xac")),
           "Gr\xc3\xbc\xc3\x9f \xe2\x82\xac",
           "utf8_is_kept_and_other_bytes_become_replacement_characters: UTF-8 kept");
    is_str(read_back(object_with("Mozilla \xe9t\xe9\xff")),
           "Mozilla \xef\xbf\xbdt\xef\xbf\xbd\xef\xbf\xbd",
           "utf8_is_kept_and_other_bytes_become_replacement_characters: Latin-1 replaced");
    is_str(read_back(object_with("cut \xe2\x82")), "cut \xef\xbf\xbd\xef\xbf\xbd",
           "utf8_is_kept_and_other_bytes_become_replacement_characters: a cut sequence replaced");
}

static void
integers_are_written_in_full_from_the_smallest_to_the_largest(void)
{
    struct buf out = BUF_INIT;
    struct jw w = JW_INIT(&out);
    jw_int(&w, "zero", 0);
    jw_int(&w, "min", LLONG_MIN);
    jw_int(&w, "max", LLONG_MAX);
    jw_int(&w, "us", 1764000000123456LL);
    ok(jw_end(&w), "integers: written");
    is_str(buf_str(&out),
           "{\"zero\":0,\"min\":-9223372036854775808,\"max\":9223372036854775807,"
           "\"us\":1764000000123456}",
           "integers are written in full from the smallest to the largest");
    buf_free(&out);
}

int
main(void)
{
    members_are_written_in_order();
    integers_are_written_in_full_from_the_smallest_to_the_largest();
    quotes_backslashes_and_control_characters_are_escaped();
    utf8_is_kept_and_other_bytes_become_replacement_characters();
    return tap_done();
}
