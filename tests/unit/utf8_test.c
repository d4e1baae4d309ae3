/*
 * utf8_test.c - strict UTF-8 validation
 */
#include <string.h>

#include "tap.h"
#include "utf8.h"

/* Validity of a C string, and where the first bad sequence starts (or -1). */
static long
bad_at(const char *s)
{
    size_t off = 12345;
    if (utf8_valid(s, strlen(s), &off)) return -1;
    return (long)off;
}

static void
accepts_ascii_and_empty(void)
{
    ok(utf8_valid("", 0, NULL), "empty string");
    ok(utf8_valid("hello, world: 0123456789", 24, NULL), "ASCII longer than a word");
    ok(utf8_valid("a\0b", 3, NULL), "NUL is U+0000, valid");
}

static void
accepts_2_3_4_byte_sequences(void)
{
    is_int(bad_at("\xC2\x80"), -1, "U+0080, smallest 2-byte");
    is_int(bad_at("J\xC3\xB6rg"), -1, "U+00F6 o-umlaut");
    is_int(bad_at("\xDF\xBF"), -1, "U+07FF, largest 2-byte");
    is_int(bad_at("\xE0\xA0\x80"), -1, "U+0800, smallest 3-byte");
    is_int(bad_at("\xE2\x82\xAC"), -1, "U+20AC euro sign");
    is_int(bad_at("\xED\x9F\xBF"), -1, "U+D7FF, just below the surrogates");
    is_int(bad_at("\xEE\x80\x80"), -1, "U+E000, just above the surrogates");
    is_int(bad_at("\xEF\xBF\xBF"), -1, "U+FFFF");
    is_int(bad_at("\xF0\x90\x80\x80"), -1, "U+10000, smallest 4-byte");
    is_int(bad_at("\xF0\x9F\x98\x80"), -1, "U+1F600 emoji");
    is_int(bad_at("\xF4\x8F\xBF\xBF"), -1, "U+10FFFF, the last code point");
    is_int(bad_at("mixed \xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 text"), -1, "mixed text");
}

static void
rejects_overlong_forms(void)
{
    is_int(bad_at("\xC0\xAF"), 0, "C0 AF: overlong '/'");
    is_int(bad_at("\xC1\xBF"), 0, "C1 BF: overlong 2-byte");
    is_int(bad_at("\xE0\x80\xAF"), 0, "E0 80 AF: overlong 3-byte '/'");
    is_int(bad_at("\xE0\x9F\xBF"), 0, "E0 9F BF: overlong U+07FF");
    is_int(bad_at("\xF0\x80\x80\xAF"), 0, "F0 80 80 AF: overlong 4-byte '/'");
    is_int(bad_at("\xF0\x8F\xBF\xBF"), 0, "F0 8F BF BF: overlong U+FFFF");
}

static void
rejects_surrogates(void)
{
    is_int(bad_at("\xED\xA0\x80"), 0, "U+D800, first high surrogate");
    is_int(bad_at("\xED\xBF\xBF"), 0, "U+DFFF, last low surrogate");
    is_int(bad_at("ok\xED\xA0\xBD\xED\xB8\x80"), 2, "a CESU-8 surrogate pair");
}

static void
rejects_above_u10ffff(void)
{
    is_int(bad_at("\xF4\x90\x80\x80"), 0, "U+110000");
    is_int(bad_at("\xF5\x80\x80\x80"), 0, "lead byte F5");
    is_int(bad_at("\xF8\x88\x80\x80\x80"), 0, "5-byte form");
    is_int(bad_at("\xFE"), 0, "FE");
    is_int(bad_at("\xFF"), 0, "FF");
}

static void
rejects_truncated_sequences(void)
{
    is_int(bad_at("ab\xC3"), 2, "2-byte cut at the end");
    is_int(bad_at("ab\xE2\x82"), 2, "3-byte cut at the end");
    is_int(bad_at("ab\xF0\x9F\x98"), 2, "4-byte cut at the end");
    is_int(bad_at("\xE2\x82"
                  "A"),
           0, "3-byte interrupted by ASCII");
    is_int(bad_at("\xF0\x9F\xC3\xA9"), 0, "4-byte interrupted by a new lead byte");
    size_t off = 99;
    ok(!utf8_valid("\xC3\xA9", 1, &off) && off == 0, "the length bounds the read");
}

static void
rejects_stray_continuation_bytes(void)
{
    is_int(bad_at("\x80"), 0, "lone 80");
    is_int(bad_at("abc\xBF"), 3, "lone BF after ASCII");
    is_int(bad_at("\xC3\xA9\xA9"), 2, "one continuation too many");
}

static void
offset_is_exact_around_word_boundaries(void)
{
    char s[40];
    int right = 0;
    for (size_t at = 0; at < 24; at++) {
        memset(s, 'a', sizeof s);
        s[at] = (char)0x80;
        size_t off = 999;
        right += !utf8_valid(s, sizeof s, &off) && off == at;
    }
    is_int(right, 24, "a bad byte at offsets 0..23 of ASCII is found where it is");
    memset(s, 'a', sizeof s);
    memcpy(s + 7, "\xE2\x82\xAC", 3); /* straddles the first 8-byte word */
    ok(utf8_valid(s, sizeof s, NULL), "a valid sequence across a word boundary");
}

int
main(void)
{
    accepts_ascii_and_empty();
    accepts_2_3_4_byte_sequences();
    rejects_overlong_forms();
    rejects_surrogates();
    rejects_above_u10ffff();
    rejects_truncated_sequences();
    rejects_stray_continuation_bytes();
    offset_is_exact_around_word_boundaries();
    return tap_done();
}
