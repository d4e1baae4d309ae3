/*
 * b64.c - strict base64 and base64url (see b64.h)
 *
 * Encoding turns each 3-byte group into 4 characters; a final group of 1
 * or 2 bytes gives 2 or 3 characters, then padding for B64_STD. Decoding
 * first settles the shape (length, padding), then maps characters through
 * the one alphabet and finally checks that the bits the last character
 * carries beyond the data are zero, which is what makes encodings unique.
 */
#include "b64.h"

#include <stdint.h>
#include <string.h>

static const char std_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* ---------------------------------------------------------------------
 * encoding (bytes -> text)
 * --------------------------------------------------------------------- */

size_t
b64_encoded_len(size_t n, enum b64_alphabet a)
{
    if (a == B64_STD) return (n + 2) / 3 * 4;
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0); /* 1 byte -> 2 chars, 2 -> 3 */
}

size_t
b64_encode(const void *src, size_t n, enum b64_alphabet a, char *dst)
{
    const unsigned char *s = src;
    const char *map = a == B64_URL ? url_chars : std_chars;
    char *d = dst;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        *d++ = map[v >> 18];
        *d++ = map[v >> 12 & 63];
        *d++ = map[v >> 6 & 63];
        *d++ = map[v & 63];
    }
    if (i < n) { /* 1 or 2 bytes left */
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
        *d++ = map[v >> 18];
        *d++ = map[v >> 12 & 63];
        if (i + 1 < n) *d++ = map[v >> 6 & 63];
        if (a == B64_STD) {
            if (i + 1 == n) *d++ = '=';
            *d++ = '=';
        }
    }
    *d = '\0';
    return (size_t)(d - dst);
}

bool
b64_encode_buf(struct buf *out, const void *src, size_t n, enum b64_alphabet a)
{
    size_t len = b64_encoded_len(n, a);
    if (!buf_reserve(out, len)) return false;
    out->len += b64_encode(src, n, a, out->data + out->len);
    return true;
}

/* ---------------------------------------------------------------------
 * decoding (text -> bytes)
 * --------------------------------------------------------------------- */

/* The 6-bit value of `c` in alphabet `a`, or -1 when `c` is not in it. */
static int
value(unsigned char c, enum b64_alphabet a)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (a == B64_URL ? '-' : '+')) return 62;
    if (c == (a == B64_URL ? '_' : '/')) return 63;
    return -1;
}

/* Number of data characters in `len` characters, or -1 when the shape is wrong. */
static long
data_chars(const char *src, size_t len, enum b64_alphabet a)
{
    if (a == B64_URL) return len % 4 == 1 ? -1 : (long)len; /* 4n+1 encodes nothing */
    if (len % 4 != 0) return -1;
    size_t pad = 0;
    while (pad < 2 && pad < len && src[len - 1 - pad] == '=')
        pad++;
    return (long)(len - pad);
}

bool
b64_decode(const char *src, size_t len, enum b64_alphabet a, void *dst, size_t cap, size_t *outlen)
{
    long nchars = data_chars(src, len, a);
    if (nchars < 0 || nchars % 4 == 1) return false; /* also "====" style padding */
    size_t nc = (size_t)nchars, need = nc / 4 * 3 + (nc % 4 ? nc % 4 - 1 : 0);
    if (need > cap) return false;
    unsigned char *d = dst;
    uint32_t acc = 0;
    size_t i;
    for (i = 0; i < nc; i++) {
        int v = value((unsigned char)src[i], a);
        if (v < 0) return false; /* includes '=' inside the data */
        acc = acc << 6 | (uint32_t)v;
        if (i % 4 == 3) {
            *d++ = (unsigned char)(acc >> 16);
            *d++ = (unsigned char)(acc >> 8);
            *d++ = (unsigned char)acc;
            acc = 0;
        }
    }
    if (nc % 4 == 2) {
        if (acc & 0xF) return false; /* unused low bits must be zero */
        *d++ = (unsigned char)(acc >> 4);
    } else if (nc % 4 == 3) {
        if (acc & 0x3) return false;
        *d++ = (unsigned char)(acc >> 10);
        *d++ = (unsigned char)(acc >> 2);
    }
    *outlen = need;
    return true;
}
