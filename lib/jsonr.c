/*
 * jsonr.c - reading the JSON texts PostgreSQL gives back (see jsonr.h)
 *
 * The common case costs one json_loads. Only when jansson reports a
 * numeric overflow is the text copied with ".0" after every integer that
 * does not fit in 64 bits, and parsed again: the other numbers keep their
 * type, which JSON_DECODE_INT_AS_REAL (every integer a real) would not.
 */
#include "jsonr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Length of the string token at `p` (on its opening quote), quotes included. */
static size_t
string_len(const char *p)
{
    size_t i = 1;
    while (p[i] && p[i] != '"')
        i += p[i] == '\\' && p[i + 1] ? 2 : 1;
    return p[i] ? i + 1 : i;
}

/* Length of the number token at `p`; *integral says whether it has no fraction or exponent. */
static size_t
number_len(const char *p, bool *integral)
{
    size_t i = p[0] == '-';
    *integral = true;
    while (p[i] && strchr("0123456789.eE+-", p[i])) {
        if (strchr(".eE", p[i])) *integral = false;
        i++;
    }
    return i;
}

static bool
beyond_64_bits(const char *p, size_t n)
{
    char digits[64];
    if (n >= sizeof digits) return true; /* 63 digits are far beyond */
    memcpy(digits, p, n);
    digits[n] = '\0';
    errno = 0;
    (void)strtoll(digits, NULL, 10);
    return errno == ERANGE;
}

/* `text` with ".0" after each integer beyond 64 bits, into `out`. False when out of memory. */
static bool
reals_for_big_integers(const char *text, struct buf *out)
{
    for (const char *p = text; *p;) {
        size_t n = 1;
        bool integral = false, big = false;
        if (*p == '"') {
            n = string_len(p);
        } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
            n = number_len(p, &integral);
            big = integral && beyond_64_bits(p, n);
        }
        if (!buf_append(out, p, n) || (big && !buf_puts(out, ".0"))) return false;
        p += n;
    }
    return true;
}

json_t *
jsonr_loads(const char *text, size_t flags, json_error_t *err)
{
    json_error_t local;
    json_error_t *e = err ? err : &local;
    json_t *v = json_loads(text, flags, e);
    if (v || json_error_code(e) != json_error_numeric_overflow) return v;
    struct buf fixed = BUF_INIT;
    if (reals_for_big_integers(text, &fixed)) v = json_loads(buf_str(&fixed), flags, e);
    buf_free(&fixed);
    return v;
}
