/*
 * utf8.c - strict UTF-8 validation (see utf8.h)
 *
 * ASCII, the common case in contact data, is skipped a word at a time. A
 * multi-byte sequence is checked by its lead byte: the table gives the
 * sequence length and the range of its second byte, which is where overlong
 * forms, surrogates and code points above U+10FFFF show; later bytes only
 * need to be continuation bytes (Unicode 15, table 3-7).
 */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

struct lead {
    unsigned char len;    /* bytes in the sequence; 0: not a lead byte */
    unsigned char lo, hi; /* allowed range of the second byte */
};

/* Well-formed sequences by lead byte; C0, C1 and F5..FF never start one. */
static struct lead
lead(unsigned char c)
{
    if (c >= 0xC2 && c <= 0xDF) return (struct lead){2, 0x80, 0xBF};
    if (c == 0xE0) return (struct lead){3, 0xA0, 0xBF}; /* no overlongs */
    if (c == 0xED) return (struct lead){3, 0x80, 0x9F}; /* no surrogates */
    if (c >= 0xE1 && c <= 0xEF) return (struct lead){3, 0x80, 0xBF};
    if (c == 0xF0) return (struct lead){4, 0x90, 0xBF}; /* no overlongs */
    if (c >= 0xF1 && c <= 0xF3) return (struct lead){4, 0x80, 0xBF};
    if (c == 0xF4) return (struct lead){4, 0x80, 0x8F}; /* nothing over U+10FFFF */
    return (struct lead){0, 0, 0};
}

/* Length of the valid sequence at `s` (n > 0 bytes left, s[0] >= 0x80), 0 if invalid. */
static size_t
sequence(const unsigned char *s, size_t n)
{
    struct lead l = lead(s[0]);
    if (!l.len || n < l.len) return 0;
    if (s[1] < l.lo || s[1] > l.hi) return 0;
    for (size_t i = 2; i < l.len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return l.len;
}

/* Bytes of ASCII at the start of `s`, counted four words, then a word, at a time. */
static size_t
ascii_run(const unsigned char *s, size_t n)
{
    size_t i = 0;
    for (; i + 32 <= n; i += 32) { /* long texts (a message's parts) are mostly ASCII */
        uint64_t w[4];
        memcpy(w, s + i, 32);
        if ((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ULL) break;
    }
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8); /* unaligned-safe; compiles to one load */
        if (w & 0x8080808080808080ULL) break;
    }
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

bool
utf8_valid(const char *str, size_t n, size_t *bad_offset)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        i += ascii_run(s + i, n - i);
        if (i == n) break;
        size_t len = sequence(s + i, n - i);
        if (!len) {
            if (bad_offset) *bad_offset = i;
            return false;
        }
        i += len;
    }
    return true;
}
