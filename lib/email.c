/*
 * email.c - e-mail address normalization (see email.h)
 *
 * Checks run from the whole address down to single bytes, so the reason
 * given is the broadest thing wrong: encoding, then the '@', then the local
 * part, then the domain and its labels, and the total length last (a part's
 * own limit names the culprit). Only when all pass is the lower-cased copy
 * written.
 */
#include "email.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

/* RFC 5322 atext besides letters and digits; non-ASCII is allowed by RFC 6531. */
static const char ATEXT_SPECIALS[] = "!#$%&'*+-/=?^_`{|}~";

__attribute__((format(printf, 3, 4))) static enum email_status
invalid(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (errlen) vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return EMAIL_INVALID;
}

static bool
alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
atext(unsigned char c)
{
    return c >= 0x80 || alnum(c) || (c && strchr(ATEXT_SPECIALS, c));
}

/* Letter-digit-hyphen, plus the bytes of a UTF-8 U-label. */
static bool
ldh(unsigned char c)
{
    return c >= 0x80 || alnum(c) || c == '-';
}

static bool
space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* A byte as a reader of the report should see it: "x", a space, or 0x07. */
static const char *
shown(unsigned char c, char tmp[16])
{
    if (c == ' ') return "a space";
    if (c > ' ' && c < 0x7F)
        snprintf(tmp, 16, "\"%c\"", c);
    else
        snprintf(tmp, 16, "byte 0x%02X", c);
    return tmp;
}

/* The first byte of `s` failing `allowed`, or -1. */
static int
first_bad(const char *s, size_t n, bool (*allowed)(unsigned char), bool dot_ok)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!allowed(c) && !(dot_ok && c == '.')) return c;
    }
    return -1;
}

/* Dots may only separate: "local part starts with a dot" and friends. */
static enum email_status
dots(const char *s, size_t n, const char *what, char *err, size_t errlen)
{
    if (s[0] == '.') return invalid(err, errlen, "%s starts with a dot", what);
    if (s[n - 1] == '.') return invalid(err, errlen, "%s ends with a dot", what);
    for (size_t i = 1; i < n; i++)
        if (s[i] == '.' && s[i - 1] == '.')
            return invalid(err, errlen, "%s has two dots in a row", what);
    return EMAIL_OK;
}

static enum email_status
local_part(const char *s, size_t n, char *err, size_t errlen)
{
    char tmp[16];
    if (!n) return invalid(err, errlen, "local part is empty");
    if (n > EMAIL_MAX_LOCAL)
        return invalid(err, errlen, "local part longer than %d bytes", EMAIL_MAX_LOCAL);
    int c = first_bad(s, n, atext, true);
    if (c >= 0) return invalid(err, errlen, "local part contains %s", shown((unsigned char)c, tmp));
    return dots(s, n, "local part", err, errlen);
}

static enum email_status
label(const char *s, size_t n, char *err, size_t errlen)
{
    if (n > EMAIL_MAX_LABEL)
        return invalid(err, errlen, "domain label \"%.*s\" longer than %d bytes", (int)n, s,
                       EMAIL_MAX_LABEL);
    if (s[0] == '-' || s[n - 1] == '-')
        return invalid(err, errlen, "domain label \"%.*s\" starts or ends with a hyphen", (int)n,
                       s);
    return EMAIL_OK;
}

static enum email_status
domain(const char *s, size_t n, char *err, size_t errlen)
{
    char tmp[16];
    if (!n) return invalid(err, errlen, "domain is empty");
    if (s[0] == '[') return invalid(err, errlen, "address literals are not supported");
    if (n > EMAIL_MAX_DOMAIN)
        return invalid(err, errlen, "domain longer than %d bytes", EMAIL_MAX_DOMAIN);
    int c = first_bad(s, n, ldh, true);
    if (c >= 0)
        return invalid(err, errlen, "domain \"%.*s\" contains %s", (int)n, s,
                       shown((unsigned char)c, tmp));
    if (!memchr(s, '.', n)) return invalid(err, errlen, "domain \"%.*s\" has no dot", (int)n, s);
    enum email_status st = dots(s, n, "domain", err, errlen);
    for (size_t i = 0; st == EMAIL_OK && i < n;) {
        const char *dot = memchr(s + i, '.', n - i);
        size_t len = dot ? (size_t)(dot - (s + i)) : n - i;
        st = label(s + i, len, err, errlen);
        i += len + 1;
    }
    return st;
}

static void
trim(const char **s, size_t *n)
{
    while (*n && space((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && space((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* Whole-address checks: encoding and where the '@' is. `skipped`: bytes trimmed in front. */
static enum email_status
shape(const char *s, size_t n, size_t skipped, const char **at, char *err, size_t errlen)
{
    size_t bad;
    if (!n) return invalid(err, errlen, "address is empty");
    if (!utf8_valid(s, n, &bad))
        return invalid(err, errlen, "address is not valid UTF-8 (byte %zu)", skipped + bad + 1);
    if (s[0] == '"') return invalid(err, errlen, "quoted local parts are not supported");
    *at = memchr(s, '@', n);
    if (!*at) return invalid(err, errlen, "missing @");
    if (memchr(*at + 1, '@', n - (size_t)(*at + 1 - s)))
        return invalid(err, errlen, "more than one @");
    return EMAIL_OK;
}

enum email_status
email_normalize(const char *in, size_t n, struct buf *out, char *err, size_t errlen)
{
    const char *at = NULL;
    buf_reset(out);
    if (errlen) err[0] = '\0';
    const char *start = in;
    trim(&in, &n);
    enum email_status st = shape(in, n, (size_t)(in - start), &at, err, errlen);
    if (st == EMAIL_OK) st = local_part(in, (size_t)(at - in), err, errlen);
    if (st == EMAIL_OK) st = domain(at + 1, n - (size_t)(at + 1 - in), err, errlen);
    if (st == EMAIL_OK && n > EMAIL_MAX) /* last: a part's own limit is the clearer reason */
        st = invalid(err, errlen, "address longer than %d bytes", EMAIL_MAX);
    if (st != EMAIL_OK) return st;
    if (!buf_reserve(out, n)) {
        if (errlen) snprintf(err, errlen, "out of memory");
        return EMAIL_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        out->data[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out->len = n;
    out->data[n] = '\0';
    return EMAIL_OK;
}
