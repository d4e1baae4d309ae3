/*
 * mime_qp_test.c - quoted-printable encoding (lib/mime_qp.h)
 *
 * Exact outputs for each rule of RFC 2045 section 6.7 first, then the
 * property: for many random inputs, text-like and not, the encoding has
 * the right shape and GMime's decoder gives the input back
 * (tests/unit/qp_check.h, shared with the fuzz target).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "mime_qp.h"
#include "tap.h"
#include "unit/qp_check.h"

static bool
dash_line(const char *s)
{
    struct buf out = BUF_INIT;
    bool dash = false;
    mime_qp_encode(s, strlen(s), &out, &dash);
    buf_free(&out);
    return dash;
}

static const char *
qp(const char *s)
{
    static struct buf out = BUF_INIT;
    buf_reset(&out);
    mime_qp_encode(s, strlen(s), &out, NULL);
    return buf_str(&out);
}

static void
qp_keeps_printable_ascii_as_it_is(void)
{
    is_str(qp("Hello, world! <a href>~"), "Hello, world! <a href>~", "printable ASCII");
    is_str(qp(""), "", "empty text");
}

static void
qp_escapes_equals_sign_controls_and_8bit_bytes(void)
{
    is_str(qp("a=b"), "a=3Db", "'='");
    is_str(qp("caf\xc3\xa9"), "caf=C3=A9", "UTF-8 bytes, upper-case hex");
    is_str(qp("x\x01y\x7f"), "x=01y=7F", "controls and DEL");
    is_str(qp("a\rb"), "a=0Db", "a CR that ends no line");
}

static void
qp_writes_line_breaks_as_crlf(void)
{
    is_str(qp("one\ntwo\n"), "one\r\ntwo\r\n", "LF becomes CRLF");
    is_str(qp("\n\n"), "\r\n\r\n", "empty lines");
}

static void
qp_escapes_blanks_before_a_line_end(void)
{
    is_str(qp("a b \nc\t\n"), "a b=20\r\nc=09\r\n", "trailing blanks before LF");
    is_str(qp("end "), "end=20", "a trailing blank at the end of the text");
    is_str(qp("  \n"), " =20\r\n", "only the last blank needs it");
    is_str(qp("1234567 \nabc"), "1234567=20\r\nabc", "a blank ending an eight-byte run");
    is_str(qp("1234567 "), "1234567=20", "a blank ending an eight-byte run and the text");
}

static void
qp_breaks_long_lines_softly_at_76(void)
{
    char in[200];
    memset(in, 'x', 160);
    in[160] = '\0';
    const char *out = qp(in);
    ok(strncmp(out, "xxxxxxxxxx", 10) == 0 && strlen(out) == 160 + 2 * 3,
       "160 characters take two soft breaks");
    ok(out[75] == '=' && out[76] == '\r' && out[77] == '\n', "the first line is 75 + '='");
    memset(in, 'y', 76);
    in[76] = '\0';
    is_int((int)strlen(qp(in)), 76, "a line of exactly 76 needs no break");
    in[76] = '\n', in[77] = '\0';
    is_int((int)strlen(qp(in)), 78, "nor does it before a line break");
}

static void
qp_never_splits_an_escape(void)
{
    char in[120];
    memset(in, 'x', 74);
    memcpy(in + 74, "\xc3\xa9z", 4);
    const char *out = qp(in);
    ok(strncmp(out + 74, "=\r\n=C3=A9z", 10) == 0,
       "an escape that would cross column 75 moves down");
}

/* xorshift64*: the same inputs on every run. */
static uint64_t
next(uint64_t *s)
{
    *s ^= *s >> 12, *s ^= *s << 25, *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/*
 * Random bytes; `texty` draws mostly words and blanks, sometimes '=', a
 * tab, an LF, a CR or a UTF-8 letter, so runs of plain bytes of every
 * length meet each special byte at every column.
 */
static size_t
random_input(uint64_t *s, bool texty, char *out, size_t cap)
{
    static const char words[] = "abcdefghij XYZ .-";
    static const char special[] = "=\t\n\r\xc3\xa9";
    size_t n = next(s) % cap;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = next(s);
        if (!texty)
            out[i] = (char)(r >> 24);
        else if (r % 9 == 0)
            out[i] = special[(r >> 8) % (sizeof special - 1)];
        else
            out[i] = words[(r >> 8) % (sizeof words - 1)];
    }
    return n;
}

static void
qp_decodes_back_to_every_random_input(void)
{
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    char in[1024];
    int bad = 0;
    for (int i = 0; i < 4000; i++) {
        size_t n = random_input(&seed, i % 2 == 0, in, sizeof in);
        const char *why = qp_check(in, n);
        if (why && bad++ < 3) diag("input %d (%zu bytes): %s", i, n, why);
    }
    ok(bad == 0, "4,000 random inputs: right shape, GMime decodes each back (%d failed)", bad);
}

static void
qp_tells_when_a_line_begins_with_two_dashes(void)
{
    char in[120];
    memset(in, 'x', 75);
    strcpy(in + 75, "--b");
    ok(dash_line("a\n--b\n") && dash_line("--b") && dash_line(in),
       "after a line break, at the start, after a soft break");
    ok(!dash_line("a --b\n-x\n- -\n"), "not for dashes inside a line or a single one");
}

int
main(void)
{
    mime_init();
    qp_keeps_printable_ascii_as_it_is();
    qp_escapes_equals_sign_controls_and_8bit_bytes();
    qp_writes_line_breaks_as_crlf();
    qp_escapes_blanks_before_a_line_end();
    qp_breaks_long_lines_softly_at_76();
    qp_never_splits_an_escape();
    qp_tells_when_a_line_begins_with_two_dashes();
    qp_decodes_back_to_every_random_input();
    return tap_done();
}
