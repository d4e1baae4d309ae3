/*
 * jsonr_test.c - JSON texts as PostgreSQL gives them back (lib/jsonr.c)
 */
#include <string.h>

#include "jsonr.h"
#include "tap.h"

static void
an_integer_beyond_64_bits_is_a_real(void)
{
    json_error_t e;
    json_t *v = jsonr_loads("{\"revenue\": 10000000000000000000}", 0, &e);
    json_t *r = json_object_get(v, "revenue");
    ok(json_is_real(r) && json_real_value(r) == 1e19, "an_integer_beyond_64_bits_is_a_real");
    json_decref(v);
    v = jsonr_loads("[-92233720368547758080]", 0, &e);
    ok(json_is_real(json_array_get(v, 0)), "an_integer_beyond_64_bits_is_a_real: negative too");
    json_decref(v);
}

static void
other_numbers_keep_their_type(void)
{
    json_error_t e;
    json_t *v = jsonr_loads("{\"big\": 10000000000000000000, \"age\": 30, \"max\": "
                            "9223372036854775807, \"share\": 0.5, \"e\": 1e3}",
                            0, &e);
    ok(json_is_integer(json_object_get(v, "age")) &&
           json_integer_value(json_object_get(v, "age")) == 30,
       "other_numbers_keep_their_type: a small integer");
    ok(json_is_integer(json_object_get(v, "max")),
       "other_numbers_keep_their_type: the largest 64-bit integer");
    ok(json_is_real(json_object_get(v, "share")) && json_is_real(json_object_get(v, "e")),
       "other_numbers_keep_their_type: reals");
    json_decref(v);
}

static void
digits_inside_strings_are_left_alone(void)
{
    json_error_t e;
    json_t *v = jsonr_loads(
        "{\"id\": \"10000000000000000000\", \"q\": \"a\\\"1\", \"n\": 10000000000000000000}", 0,
        &e);
    is_str(json_string_value(json_object_get(v, "id")), "10000000000000000000",
           "digits_inside_strings_are_left_alone");
    is_str(json_string_value(json_object_get(v, "q")), "a\"1",
           "digits_inside_strings_are_left_alone: after an escaped quote");
    json_decref(v);
}

static void
bad_text_is_still_an_error(void)
{
    json_error_t e;
    ok(jsonr_loads("{\"a\": ", 0, &e) == NULL && e.text[0], "bad_text_is_still_an_error");
    ok(jsonr_loads("[1e999]", 0, &e) == NULL, "bad_text_is_still_an_error: a real beyond double");
}

int
main(void)
{
    an_integer_beyond_64_bits_is_a_real();
    other_numbers_keep_their_type();
    digits_inside_strings_are_left_alone();
    bad_text_is_still_an_error();
    return tap_done();
}
