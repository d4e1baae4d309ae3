/*
 * lh_json_test.c - JSON <-> Lua: lh_json_push, lh_json_from, json.* in scripts
 *
 * Script-side cases live in tests/lua/json/probe.lua; the C API is driven
 * through lh_pcall on a leased state of the same pool.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#include "lh_probe.h"
#include "lua/lh.h"
#include "lua/lh_json.h"
#include "tap.h"

static char err[4096];
static struct lh_pool *pool;

static const char *
probe(const char *func, const char *arg)
{
    return probe_call(pool, func, arg);
}

static const char *
encode(const char *name)
{
    return probe("encode", name);
}

static const char *
encode_error(const char *name)
{
    return probe("encode_error", name);
}

static const char *
roundtrip(const char *text)
{
    return probe("roundtrip", text);
}

/*
 * ---------------------------------------------------------------
 * json.* from scripts
 * ---------------------------------------------------------------
 */

static void
integers_keep_all_64_bits(void)
{
    is_str(encode("maxint"), "9223372036854775807", "math.maxinteger encodes exactly");
    is_str(encode("minint"), "-9223372036854775808", "math.mininteger encodes exactly");
    is_str(probe("describe", "9007199254740993"), "integer 9007199254740993",
           "2^53+1 decodes to the same Lua integer");
    is_str(roundtrip("[9223372036854775807,-9223372036854775808]"),
           "[9223372036854775807,-9223372036854775808]", "int64 extremes survive a round trip");
}

static void
reals_stay_floats(void)
{
    is_str(probe("describe", "1.5"), "float 1.5", "1.5 decodes to a float");
    is_str(probe("describe", "2.0"), "float 2.0", "2.0 stays a float");
    is_str(encode("float_one"), "1.0", "a float with no fraction encodes as a real");
}

static void
null_keeps_its_position_in_arrays(void)
{
    is_str(probe("null_keeps_position", NULL), "3 true json.null",
           "[1,null,3] has length 3 and json.null at 2");
    is_str(roundtrip("[1,null,3]"), "[1,null,3]", "and encodes back the same");
    is_str(encode("null_member"), "{\"x\":null}", "json.null as a member value is null");
}

static void
objects_become_tables_with_string_keys(void)
{
    is_str(probe("object_keys", NULL), "Ann 1", "members are fields, nested objects tables");
    is_str(encode("object"), "{\"a\":1,\"b\":2,\"c\":[true,false]}",
           "objects encode with sorted keys");
}

static void
sequences_become_arrays_and_empty_tables_objects(void)
{
    is_str(encode("sequence"), "[\"a\",\"b\",\"c\"]", "keys 1..n make an array");
    is_str(encode("empty"), "{}", "an empty table is an empty object");
    is_str(roundtrip("[]"), "{}", "so an empty array comes back as an object");
}

static void
a_table_shared_by_two_branches_is_not_a_cycle(void)
{
    is_str(encode("shared"), "{\"x\":[1],\"y\":[1]}", "the shared table is written twice");
}

static void
strings_keep_nul_bytes(void)
{
    is_str(probe("describe", "\"a\\u0000b\""), "string 3", "\\u0000 decodes into the string");
    is_str(encode("nul_string"), "\"a\\u0000b\"", "and encodes back escaped");
}

static void
functions_are_refused_with_their_path(void)
{
    like(encode_error("func_in_array"),
         "json.encode: value.items[3]: a function cannot become JSON",
         "the path leads to the function");
    like(encode_error("odd_key_path"), "value[\"first name\"]: a function cannot become JSON",
         "a key that is not a name is quoted in the path");
    like(encode_error("coroutine"), "value.co: a thread cannot become JSON", "threads too");
}

static void
cycles_are_refused(void)
{
    like(encode_error("cycle"), "value.self: a table that contains itself cannot become JSON",
         "the path names where the table repeats");
}

static void
nan_and_infinities_are_refused(void)
{
    like(encode_error("nan"), "value.score: NaN cannot become JSON", "NaN");
    like(encode_error("inf"), "value.score: an infinite number cannot become JSON", "infinity");
}

static void
invalid_utf8_is_refused(void)
{
    like(encode_error("bad_utf8"), "value.name: a string that is not valid UTF-8 (byte 3)",
         "a value names the first bad byte");
    like(encode_error("bad_utf8_key"), "a key that is not valid UTF-8", "a key too");
}

static void
keys_that_fit_neither_arrays_nor_objects_are_refused(void)
{
    like(encode_error("mixed_keys"), "value: a table mixing string and number keys",
         "string and number keys mixed");
    like(encode_error("holes"), "keys up to 3 but 2 entries", "a sequence with holes");
    like(encode_error("zero_key"), "a table with key 0 cannot become JSON", "key 0");
    like(encode_error("float_key"), "a table with key 1.5 cannot become JSON", "a float key");
    like(encode_error("bool_key"), "a table with a boolean key cannot become JSON",
         "a boolean key");
}

static void
nesting_is_capped_at_64_levels(void)
{
    like(encode("nested_64"), "[[[[", "64 levels encode");
    like(encode_error("nested_65"), "nested deeper than 64 levels", "65 levels are refused");
    char text[200] = {0};
    memset(text, '[', 65);
    memset(text + 65, ']', 65);
    like(roundtrip(text), "nil, json.decode: JSON nested deeper than 64 levels",
         "decoding 65 levels returns nil and the reason");
    memset(text, 0, sizeof text);
    memset(text, '[', 64);
    memset(text + 64, ']', 64);
    char want[200] = {0};
    memset(want, '[', 63);
    memcpy(want + 63, "{}", 2);
    memset(want + 65, ']', 63);
    is_str(roundtrip(text), want, "64 levels decode (the innermost empty array comes back {})");
}

static void
bad_text_returns_nil_and_where(void)
{
    is_str(roundtrip("{\"a\":}"), "nil, json.decode: line 1, column 6: unexpected token near '}'",
           "a syntax error names line and column");
    like(roundtrip("123456789012345678901234567890"), "nil, json.decode: line 1",
         "an integer beyond 64 bits is refused");
    like(roundtrip(""), "nil, json.decode:", "empty text is not JSON");
}

static void
decode_raises_on_misuse(void)
{
    like(probe("decode_raises_on", "table"), "json.decode: expects a string, got table",
         "a table argument raises");
    like(probe("decode_raises_on", "nil"), "json.decode: expects a string, got nil",
         "a missing argument raises");
}

static void
json_null_is_one_protected_value(void)
{
    is_str(probe("null_metatable", NULL), "false", "its metatable is hidden");
}

static void
decode_refuses_text_over_16_mib(void)
{
    size_t n = (16u << 20) + 2;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    big[0] = '1';
    big[n] = '\0';
    like(roundtrip(big), "over the limit of 16777216", "a 16 MiB + 2 text is refused unread");
    free(big);
}

/*
 * ---------------------------------------------------------------
 * the C API
 * ---------------------------------------------------------------
 */

struct capi {
    json_t *in, *out;
    const char *what;
};

/* lua_CFunction: push `in`, read it back into `out` (err on failure). */
static int
push_and_read(lua_State *L)
{
    struct capi *c = lua_touserdata(L, 1);
    lh_json_push(L, c->in);
    c->out = lh_json_from(L, -1, c->what, err, sizeof err);
    return 0;
}

/* Run a C function with one light userdata argument in a leased state. */
static int
run_c(lua_CFunction fn, void *arg)
{
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    if (!st) return -1;
    lua_State *L = lh_lua(st);
    lua_pushcfunction(L, fn);
    lua_pushlightuserdata(L, arg);
    int rc = lh_pcall(st, 1, 0, err, sizeof err);
    lh_release(st);
    return rc;
}

static int
run_capi(struct capi *c)
{
    return run_c(push_and_read, c);
}

static void
c_values_survive_push_and_from(void)
{
    json_error_t jerr;
    const char *text = "{\"id\":9223372036854775807,\"tags\":[\"a\",null,1.25],\"ok\":true,"
                       "\"name\":\"Zo\\u00eb\",\"empty\":{}}";
    struct capi c = {.in = json_loads(text, 0, &jerr), .what = "contact"};
    ok(run_capi(&c) == 0 && c.out && json_equal(c.in, c.out), "a contact record comes back equal");
    json_decref(c.in);
    json_decref(c.out);
}

static void
push_of_null_pointer_is_nil_and_nil_is_null(void)
{
    struct capi c = {.in = NULL, .what = "v"};
    ok(run_capi(&c) == 0 && json_is_null(c.out), "NULL pushes nil, which converts to null");
    json_decref(c.out);
}

static void
push_refuses_c_values_nested_too_deep(void)
{
    json_t *root = json_array(), *cur = root;
    for (int i = 1; i < 65; i++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        cur = next;
    }
    struct capi c = {.in = root, .what = "v"};
    ok(run_capi(&c) != 0, "pushing 65 levels raises");
    like(err, "JSON nested deeper than 64 levels", "with the reason");
    json_decref(root);
}

/* lua_CFunction: convert a light userdata that is not json.null; *refused set. */
static int
from_foreign_userdata(lua_State *L)
{
    static int other;
    bool *refused = lua_touserdata(L, 1);
    lua_createtable(L, 0, 1);
    lua_pushlightuserdata(L, &other);
    lua_setfield(L, -2, "handle");
    json_t *v = lh_json_from(L, -1, "data", err, sizeof err);
    *refused = v == NULL;
    json_decref(v);
    return 0;
}

static void
from_refuses_foreign_userdata(void)
{
    bool refused = false;
    ok(run_c(from_foreign_userdata, &refused) == 0 && refused,
       "a light userdata other than json.null is refused");
    like(err, "data.handle: a userdata cannot become JSON", "with its path");
}

/* lua_CFunction: a big table, converted after the call used up its time (50 ms of CPU: the
 * budget counts the call's own time, so sleeping would not use it). */
static int
convert_after_deadline(lua_State *L)
{
    bool *refused = lua_touserdata(L, 1);
    lua_createtable(L, 10000, 0);
    for (int i = 1; i <= 10000; i++) {
        lua_pushinteger(L, i);
        lua_rawseti(L, -2, i);
    }
    struct timespec t0, t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    do /* 150 ms of CPU time in C, which the watchdog cannot interrupt */
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 150);
    json_t *v = lh_json_from(L, -1, "rows", err, sizeof err);
    *refused = v == NULL;
    json_decref(v);
    return 0;
}

static void
from_stops_at_the_time_limit(void)
{
    struct lh_pool *fast = probe_pool("json", NULL, 50);
    struct lh_pool *saved = pool;
    bool refused = false;
    pool = fast;
    ok(run_c(convert_after_deadline, &refused) == 0 && refused,
       "a conversion running in C past the time limit stops");
    like(err, "time limit exceeded while converting to JSON", "and says why");
    pool = saved;
    lh_pool_free(fast);
}

/* "[1,1,...,1]" of n ones; free() it. */
static char *
ones(size_t n)
{
    char *text = malloc(2 * n + 2);
    text[0] = '[';
    for (size_t i = 0; i < n; i++)
        memcpy(text + 1 + 2 * i, i + 1 < n ? "1," : "1]", 2);
    text[2 * n + 1] = '\0';
    return text;
}

/* The C tree of a decode is charged to the state's budget, and is larger than the table it
 * becomes: a text too big for the budget fails while it is parsed, before any table exists. */
static void
a_decode_past_the_memory_limit_fails_and_leaks_nothing(void)
{
    struct lh_pool *small = probe_pool_mem("json", NULL, 4u << 20);
    char *text = ones(300000);
    like(probe_call(small, "decode_count", text),
         "nil, json.decode: out of memory (the script's memory limit)",
         "decoding a text past the memory limit fails (what was parsed is freed)");
    is_str(probe_call(small, "decode_count", "[1,2,3]"), "3", "and the state serves the next call");
    free(text);
    lh_pool_free(small);
}

/* Garbage the collector has not reached yet is not memory in use: a decode that fits once it
 * is collected succeeds, however much of the budget the garbage holds. */
static void
a_decode_fits_in_memory_the_garbage_held(void)
{
    struct lh_pool *small = probe_pool_mem("json", NULL, 4u << 20);
    char *text = ones(20000);
    is_str(probe_call(small, "decode_after_garbage", text), "20000",
           "a decode that needs memory 3 MiB of garbage hold in a 4 MiB state succeeds");
    is_str(probe_call(small, "encode_length_after_garbage", "20000"), "40001",
           "and so does an encode");
    free(text);
    lh_pool_free(small);
}

/* lua_CFunction: lh_json_push_text of c->text, read back into c->out. */
struct textcase {
    const char *text;
    json_t *out;
};

static int
push_text_and_read(lua_State *L)
{
    struct textcase *c = lua_touserdata(L, 1);
    lh_json_push_text(L, c->text, strlen(c->text), 2);
    c->out = lh_json_from(L, -1, "v", err, sizeof err);
    return 0;
}

/* Does pushing `text` straight give what jansson's parse pushed gives? */
static bool
text_push_matches_jansson(const char *text)
{
    struct textcase c = {text, NULL};
    json_t *want = json_loads(text, JSON_DECODE_ANY, NULL);
    bool same = run_c(push_text_and_read, &c) == 0 && want && c.out && json_equal(want, c.out);
    if (!same) diag("  %s: %s", text, err);
    json_decref(want);
    json_decref(c.out);
    return same;
}

static void
text_push_gives_what_parse_and_push_give(void)
{
    static const char *const same[] = {
        "{\"id\": 9223372036854775807, \"tags\": [\"a\", null, 1.25], \"ok\": true, \"no\": false,"
        " \"name\": \"Zo\\u00eb\", \"empty\": {}}",
        "\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"",
        "\"\\ud83d\\ude00 and \\u20ac\"",
        "[0, -0, 1.5, -2e3, 1E+2, 2.5e-3, -9223372036854775808]",
        " { \"a\" : [ { \"b\" : [ 1 , 2 ] } ] } ",
        "\"caf\xc3\xa9\"",
    };
    bool all = true;
    for (size_t i = 0; i < sizeof same / sizeof *same; i++)
        all &= text_push_matches_jansson(same[i]);
    ok(all, "lh_json_push_text pushes what jansson's parse and lh_json_push push");
}

static void
text_push_refuses_what_is_not_json(void)
{
    static const char *const bad[] = {"{\"a\":}",  "[1,]",        "01",      "1.",           "-",
                                      ".5",        "\"\\ud800\"", "1 2",     "\"\\u0000\"",  "\"a",
                                      "{\"a\" 1}", "tru",         "\"\\x\"", "\"tab\there\""};
    int refused = 0;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct textcase c = {bad[i], NULL};
        if (run_c(push_text_and_read, &c) != 0 && strstr(err, "JSON: "))
            refused++;
        else
            diag("  accepted: %s", bad[i]);
        json_decref(c.out);
    }
    is_int(refused, (int)(sizeof bad / sizeof *bad),
           "lh_json_push_text raises on text that is not JSON");
}

static void
text_push_keeps_big_integers_as_floats_and_caps_depth(void)
{
    struct textcase c = {"123456789012345678901234567890", NULL};
    ok(run_c(push_text_and_read, &c) == 0 && json_is_real(c.out) && json_real_value(c.out) > 1.2e29,
       "an integer over 64 bits becomes a float");
    json_decref(c.out);
    char deep[200] = "";
    for (int i = 0; i < 65; i++)
        strcat(deep, "[");
    for (int i = 0; i < 65; i++)
        strcat(deep, "]");
    struct textcase d = {deep, NULL};
    ok(run_c(push_text_and_read, &d) != 0 && strstr(err, "nested deeper than 64"),
       "65 levels of text raise");
    json_decref(d.out);
}

int
main(void)
{
    pool = probe_pool("json", NULL, 0);
    integers_keep_all_64_bits();
    reals_stay_floats();
    null_keeps_its_position_in_arrays();
    objects_become_tables_with_string_keys();
    sequences_become_arrays_and_empty_tables_objects();
    a_table_shared_by_two_branches_is_not_a_cycle();
    strings_keep_nul_bytes();
    functions_are_refused_with_their_path();
    cycles_are_refused();
    nan_and_infinities_are_refused();
    invalid_utf8_is_refused();
    keys_that_fit_neither_arrays_nor_objects_are_refused();
    nesting_is_capped_at_64_levels();
    bad_text_returns_nil_and_where();
    decode_raises_on_misuse();
    json_null_is_one_protected_value();
    decode_refuses_text_over_16_mib();
    c_values_survive_push_and_from();
    push_of_null_pointer_is_nil_and_nil_is_null();
    push_refuses_c_values_nested_too_deep();
    from_refuses_foreign_userdata();
    from_stops_at_the_time_limit();
    a_decode_past_the_memory_limit_fails_and_leaks_nothing();
    a_decode_fits_in_memory_the_garbage_held();
    text_push_gives_what_parse_and_push_give();
    text_push_refuses_what_is_not_json();
    text_push_keeps_big_integers_as_floats_and_caps_depth();
    lh_pool_free(pool);
    return tap_done();
}
