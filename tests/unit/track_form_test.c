/*
 * track_form_test.c - urlencoded form fields (track/form.c)
 */
#include <string.h>

#include "form.h"
#include "tap.h"

static int
first(const char *body, struct form_field *f)
{
    struct form_iter it;
    form_iter_init(&it, body, strlen(body));
    return form_next(&it, f);
}

static void
plus_and_percent_escapes_are_decoded(void)
{
    struct form_field f;
    first("name=two+words%21%C3%A9", &f);
    is_str(f.value, "two words!\xc3\xa9", "plus_and_percent_escapes_are_decoded");
}

static void
fields_come_in_order_and_empty_pairs_are_skipped(void)
{
    struct form_iter it;
    struct form_field f;
    const char *body = "a=1&&b=2&";
    char seen[32] = "";
    form_iter_init(&it, body, strlen(body));
    while (form_next(&it, &f) > 0) {
        strcat(seen, f.name);
        strcat(seen, f.value);
    }
    is_str(seen, "a1b2", "fields_come_in_order_and_empty_pairs_are_skipped");
}

static void
a_name_without_value_has_an_empty_value(void)
{
    struct form_field f;
    ok(first("flag", &f) == 1 && !strcmp(f.name, "flag") && !f.value[0],
       "a_name_without_value_has_an_empty_value");
}

static void
a_bad_escape_is_an_error(void)
{
    struct form_field f;
    is_int(first("a=%zz", &f), -1, "a_bad_escape_is_an_error");
    is_int(first("a=%4", &f), -1, "a_bad_escape_is_an_error: cut short");
}

static void
an_encoded_nul_is_an_error(void)
{
    struct form_field f;
    is_int(first("a=x%00y", &f), -1, "an_encoded_nul_is_an_error");
}

static void
an_overlong_value_is_an_error_not_a_cut(void)
{
    char body[FORM_FIELD_MAX + 8] = "a=";
    memset(body + 2, 'x', FORM_FIELD_MAX);
    body[FORM_FIELD_MAX + 2] = '\0';
    struct form_field f;
    is_int(first(body, &f), -1, "an_overlong_value_is_an_error_not_a_cut");
}

static void
the_one_click_body_is_one_field(void)
{
    struct form_field f;
    ok(first("List-Unsubscribe=One-Click", &f) == 1 && !strcmp(f.name, "List-Unsubscribe") &&
           !strcmp(f.value, "One-Click"),
       "the_one_click_body_is_one_field (RFC 8058)");
}

int
main(void)
{
    plus_and_percent_escapes_are_decoded();
    fields_come_in_order_and_empty_pairs_are_skipped();
    a_name_without_value_has_an_empty_value();
    a_bad_escape_is_an_error();
    an_encoded_nul_is_an_error();
    an_overlong_value_is_an_error_not_a_cut();
    the_one_click_body_is_one_field();
    return tap_done();
}
