/*
 * tpl_filter.c - interpolation filters: {{ order.total | money: "EUR" }}
 *
 * The filter table below is the whole policy: names, argument kinds and
 * ranges. Arguments are checked when the template is compiled, so a render
 * only fails on data that does not fit (a date filter given "soon").
 * Values travel down a chain as JSON until a filter needs bytes; numbers
 * are formatted from decimal digits, never through binary rounding, and
 * dates use our own UTC calendar arithmetic and a fixed strftime subset
 * (no locale, no time zone database).
 */
#include "tpl_int.h"

#include <math.h> /* isfinite: a macro, no libm */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum argkind { ARG_NONE, ARG_TEXT, ARG_INT, ARG_OPT_INT, ARG_OPT_STR };

static const struct fdef {
    const char *name;
    uint8_t op;
    uint8_t arg;
    int32_t min, max; /* whole-number arguments */
    const char *example;
} fdefs[] = {
    {"default", FOP_DEFAULT, ARG_TEXT, 0, 0, "default: \"there\""},
    {"upcase", FOP_UPCASE, ARG_NONE, 0, 0, "upcase"},
    {"downcase", FOP_DOWNCASE, ARG_NONE, 0, 0, "downcase"},
    {"capitalize", FOP_CAPITALIZE, ARG_NONE, 0, 0, "capitalize"},
    {"date", FOP_DATE, ARG_OPT_STR, 0, 0, "date: \"%Y-%m-%d\""},
    {"number", FOP_NUMBER, ARG_OPT_INT, 0, 10, "number: 2"},
    {"money", FOP_MONEY, ARG_OPT_STR, 0, 0, "money: \"EUR\""},
    {"url_encode", FOP_URL_ENCODE, ARG_NONE, 0, 0, "url_encode"},
    {"truncate", FOP_TRUNCATE, ARG_INT, 1, 100000, "truncate: 20"},
};

#define DEFAULT_DATE "%Y-%m-%d"

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* ------------------------------------------------------------------ compile */

/* The conversions date: understands; '-' before a numeric one drops padding. */
static const char date_convs[] = "YymdeHIMSpjaAbBhZzsFTDRuwnt%";
static const char date_numeric[] = "YymdeHIMSjsuw";

static int
date_check(const char *fmt, size_t n, char *bad)
{
    for (size_t i = 0; i < n; i++) {
        if (fmt[i] != '%') continue;
        if (++i == n) return *bad = '%', -1;
        if (fmt[i] == '-') {
            if (++i == n || !fmt[i] || !strchr(date_numeric, fmt[i]))
                return *bad = i < n ? fmt[i] : '-', -1;
            continue;
        }
        if (!fmt[i] || !strchr(date_convs, fmt[i])) return *bad = fmt[i], -1;
    }
    return 0;
}

static bool
money_ok(const char *s, size_t n)
{
    if (n == 0 || n > 8) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == '"' || s[i] == '<' || s[i] == '>' || s[i] == '&')
            return false;
    return true;
}

/* Read a quoted argument into the pool; *pp points at the quote, then past the closing one.
 * -1 when the quote is never closed, -2 out of memory. */
static int
read_string(const char **pp, const char *end, struct buf *pool, uint32_t *off, uint32_t *len)
{
    const char *p = *pp;
    char q = *p++;
    size_t start = pool->len;
    while (p < end && *p != q) {
        if (*p == '\\' && p + 1 < end) p++; /* \" and \\ stand for themselves */
        if (!buf_putc(pool, *p++)) return -2;
    }
    if (p == end) return -1;
    *off = (uint32_t)start;
    *len = (uint32_t)(pool->len - start);
    *pp = p + 1;
    return buf_putc(pool, '\0') ? 0 : -2;
}

static const struct fdef *
find_def(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof fdefs / sizeof fdefs[0]; i++)
        if (strlen(fdefs[i].name) == n && memcmp(fdefs[i].name, name, n) == 0) return &fdefs[i];
    return NULL;
}

static int
check_arg(const struct fdef *d, struct tpl_filt *f, bool quoted, const char *s, char *msg,
          size_t msglen)
{
    switch (d->arg) {
    case ARG_NONE:
        if (f->has_arg)
            return snprintf(msg, msglen, "filter \"%s\" takes no argument", d->name), -1;
        return 0;
    case ARG_INT:
    case ARG_OPT_INT:
        if (!f->has_arg && d->arg == ARG_OPT_INT) return 0;
        if (!f->has_arg || quoted || f->num < d->min || f->num > d->max)
            return snprintf(msg, msglen,
                            "filter \"%s\" needs a whole number from %d to %d, like %s", d->name,
                            d->min, d->max, d->example),
                   -1;
        return 0;
    case ARG_TEXT:
        if (!f->has_arg)
            return snprintf(msg, msglen, "filter \"%s\" needs an argument, like %s", d->name,
                            d->example),
                   -1;
        return 0;
    default: break;
    }
    if (!f->has_arg) return 0;
    if (!quoted)
        return snprintf(msg, msglen, "filter \"%s\" needs a quoted argument, like %s", d->name,
                        d->example),
               -1;
    char bad;
    if (f->op == FOP_DATE && date_check(s, f->arglen, &bad) < 0)
        return snprintf(msg, msglen, "filter \"date\": unsupported conversion \"%%%c\"", bad), -1;
    if (f->op == FOP_MONEY && !money_ok(s, f->arglen))
        return snprintf(msg, msglen,
                        "filter \"money\" needs a currency code or symbol of 1 to 8 bytes, like %s",
                        d->example),
               -1;
    return 0;
}

int
tpl_filter_compile(const char *p, const char *end, struct buf *pool, struct tpl_filt *f, char *msg,
                   size_t msglen)
{
    memset(f, 0, sizeof *f);
    msg[0] = '\0';
    while (end > p && is_space(end[-1]))
        end--;
    const char *n = p;
    while (p < end && (p[0] == '_' || (p[0] >= 'a' && p[0] <= 'z') || (p[0] >= '0' && p[0] <= '9')))
        p++;
    if (p == n) return snprintf(msg, msglen, "expected a filter name after '|'"), -1;
    const struct fdef *d = find_def(n, (size_t)(p - n));
    if (!d) return snprintf(msg, msglen, "unknown filter \"%.*s\"", (int)(p - n), n), -1;
    f->op = d->op;
    while (p < end && is_space(*p))
        p++;
    bool quoted = false;
    if (p < end && *p == ':') {
        p++;
        while (p < end && is_space(*p))
            p++;
        f->has_arg = true;
        if (p < end && (*p == '"' || *p == '\'')) {
            quoted = true;
            int rc = read_string(&p, end, pool, &f->arg, &f->arglen);
            if (rc == -1) snprintf(msg, msglen, "filter \"%s\": unclosed quote", d->name);
            if (rc < 0) return -1;
        } else {
            const char *a = p;
            if (p < end && *p == '-') p++;
            while (p < end && *p >= '0' && *p <= '9' && p - a < 10)
                p++;
            if (p == a || (p - a == 1 && *a == '-'))
                return snprintf(msg, msglen,
                                "filter \"%s\": bad argument, expected something like %s", d->name,
                                d->example),
                       -1;
            long num = strtol(a, NULL, 10);
            f->num = num > INT32_MAX ? INT32_MAX : num < INT32_MIN ? INT32_MIN : (int32_t)num;
            f->arg = (uint32_t)pool->len;
            f->arglen = (uint32_t)(p - a);
            if (!buf_append(pool, a, (size_t)(p - a)) || !buf_putc(pool, '\0')) return -1;
        }
        while (p < end && is_space(*p))
            p++;
    }
    if (p < end)
        return snprintf(msg, msglen, "unexpected \"%.*s\" after filter \"%s\"",
                        (int)(end - p > 20 ? 20 : end - p), p, d->name),
               -1;
    return check_arg(d, f, quoted, f->has_arg ? pool->data + f->arg : NULL, msg, msglen);
}

/* ------------------------------------------------------------------ values */

static bool
put_real(struct buf *b, double x)
{
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.15g", x); /* shortest that reads back, usually */
    if (strtod(tmp, NULL) != x) snprintf(tmp, sizeof tmp, "%.17g", x);
    return buf_puts(b, tmp);
}

bool
tpl_val_text(struct tpl_val *v, struct buf *b)
{
    if (v->is_str) return true;
    v->is_str = true;
    buf_reset(b);
    json_t *j = v->j;
    switch (j ? json_typeof(j) : JSON_NULL) {
    case JSON_STRING:
        v->s = json_string_value(j);
        v->n = json_string_length(j);
        return true;
    case JSON_INTEGER:
        if (!buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(j))) return false;
        break;
    case JSON_REAL:
        if (!put_real(b, json_real_value(j))) return false;
        break;
    case JSON_TRUE: v->s = "true", v->n = 4; return true;
    case JSON_FALSE: v->s = "false", v->n = 5; return true;
    case JSON_NULL: v->s = "", v->n = 0; return true;
    default: { /* objects and arrays show as compact JSON */
        char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        bool ok = s && buf_puts(b, s);
        free(s);
        if (!ok) return false;
    }
    }
    v->s = buf_str(b);
    v->n = b->len;
    return true;
}

static void
set_out(struct tpl_val *v, struct buf *out)
{
    v->j = NULL;
    v->is_str = true;
    v->s = buf_str(out);
    v->n = out->len;
}

/* ------------------------------------------------------------------ text filters */

static bool
is_empty(const struct tpl_val *v)
{
    if (v->missing) return true;
    if (v->is_str) return v->n == 0;
    json_t *j = v->j;
    return !j || json_is_null(j) || json_is_false(j) ||
           (json_is_string(j) && json_string_length(j) == 0);
}

static bool
change_case(struct tpl_val *v, struct buf *out, int op)
{
    if (!buf_append(out, v->s, v->n)) return false;
    for (size_t i = 0; i < out->len; i++) {
        char c = out->data[i];
        if (op == FOP_UPCASE && c >= 'a' && c <= 'z') out->data[i] = (char)(c - 32);
        if (op == FOP_DOWNCASE && c >= 'A' && c <= 'Z') out->data[i] = (char)(c + 32);
        if (op == FOP_CAPITALIZE) {
            if (c >= 'a' && c <= 'z') out->data[i] = (char)(c - 32);
            break; /* only the first character */
        }
    }
    set_out(v, out);
    return true;
}

/* At most n characters; a longer text keeps n-1 and gets an ellipsis. */
static bool
truncate_text(struct tpl_val *v, struct buf *out, int32_t n)
{
    size_t chars = 0, cut = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (((unsigned char)v->s[i] & 0xC0) == 0x80) continue; /* inside a character */
        if (chars == (size_t)n - 1) cut = i;
        chars++;
    }
    if (chars <= (size_t)n) return true; /* fits: unchanged */
    while (cut > 0 && is_space(v->s[cut - 1]))
        cut--;
    if (!buf_append(out, v->s, cut) || !buf_puts(out, "\xE2\x80\xA6")) return false;
    set_out(v, out);
    return true;
}

/* ------------------------------------------------------------------ numbers */

#define DEC_INT  320 /* digits before the point */
#define DEC_FRAC 40  /* digits after it */

struct dec {
    bool neg;
    size_t ni, nf;                  /* integer and fraction digit counts */
    char d[DEC_INT + DEC_FRAC + 2]; /* integer digits then fraction digits */
};

static int dec_from_double(double x, struct dec *d);

/* "1234.5", "-0.25", "+7": plain decimal text, blanks around allowed. */
static int
dec_parse(const char *s, size_t n, struct dec *d)
{
    memset(d, 0, sizeof *d);
    while (n && is_space(*s))
        s++, n--;
    while (n && is_space(s[n - 1]))
        n--;
    if (n && (*s == '-' || *s == '+')) d->neg = *s == '-', s++, n--;
    size_t i = 0;
    while (i < n && s[i] == '0' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
        i++; /* leading zeros */
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        if (d->ni == DEC_INT) return -1;
        d->d[d->ni++] = s[i];
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (d->nf < DEC_FRAC) d->d[d->ni + d->nf++] = s[i];
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E') && n < 64 && (d->ni || d->nf)) {
        char tmp[64]; /* an exponent: let strtod read it (the sign is already taken) */
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        char *e;
        double x = strtod(tmp, &e);
        bool neg = d->neg;
        if (*e || !isfinite(x) || dec_from_double(x, d) < 0) return -1;
        d->neg = neg;
        return 0;
    }
    if (i != n || (d->ni == 0 && d->nf == 0)) return -1;
    if (d->ni == 0) d->d[0] = '0', memmove(d->d + 1, d->d, d->nf), d->ni = 1;
    return 0;
}

/* The shortest fixed-point text that reads back as x. */
static int
dec_from_double(double x, struct dec *d)
{
    char tmp[DEC_INT + DEC_FRAC + 8];
    if (!isfinite(x) || x >= 1e300 || x <= -1e300) return -1;
    for (int prec = 0; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*f", prec, x);
        if (strtod(tmp, NULL) == x) break;
    }
    return dec_parse(tmp, strlen(tmp), d);
}

static int
dec_from_val(const struct tpl_val *v, struct dec *d)
{
    if (v->is_str) return dec_parse(v->s, v->n, d);
    if (json_is_integer(v->j)) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v->j));
        return dec_parse(tmp, strlen(tmp), d);
    }
    if (json_is_real(v->j)) return dec_from_double(json_real_value(v->j), d);
    if (json_is_string(v->j))
        return dec_parse(json_string_value(v->j), json_string_length(v->j), d);
    return -1;
}

/* Round half away from zero to `places` fraction digits, then pad to exactly that. */
static void
dec_round(struct dec *d, int places)
{
    size_t p = (size_t)places;
    if (d->nf > p) {
        bool up = d->d[d->ni + p] >= '5';
        d->nf = p;
        for (size_t i = d->ni + p; up && i-- > 0;) {
            if (d->d[i] == '9') {
                d->d[i] = '0';
            } else {
                d->d[i]++;
                up = false;
            }
        }
        if (up) { /* 999.9 -> 1000 */
            memmove(d->d + 1, d->d, d->ni + d->nf);
            d->d[0] = '1';
            d->ni++;
        }
    }
    while (d->nf < p)
        d->d[d->ni + d->nf++] = '0';
    bool zero = true;
    for (size_t i = 0; i < d->ni + d->nf; i++)
        zero = zero && d->d[i] == '0';
    if (zero) d->neg = false; /* no "-0.00" */
}

/* Digits with a comma every three, then the fraction. */
static bool
dec_put(struct buf *b, const struct dec *d)
{
    for (size_t i = 0; i < d->ni; i++) {
        if (i && (d->ni - i) % 3 == 0 && !buf_putc(b, ',')) return false;
        if (!buf_putc(b, d->d[i])) return false;
    }
    if (d->nf && (!buf_putc(b, '.') || !buf_append(b, d->d + d->ni, d->nf))) return false;
    return true;
}

static bool
is_code(const char *s, size_t n)
{
    return n == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' &&
           s[2] <= 'Z';
}

static bool
money(struct buf *out, struct dec *d, const char *cur, size_t clen)
{
    dec_round(d, 2);
    bool code = is_code(cur, clen);
    if (d->neg && !code && !buf_putc(out, '-')) return false; /* -€1.00 */
    if (clen && !buf_append(out, cur, clen)) return false;
    if (code && !buf_putc(out, ' ')) return false;
    if (d->neg && code && !buf_putc(out, '-')) return false; /* EUR -1.00 */
    return dec_put(out, d);
}

/* ------------------------------------------------------------------ dates */

#define MIN_TIME (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define MAX_TIME 253402300799LL   /* 9999-12-31T23:59:59Z */

static int64_t
days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

struct civil {
    int64_t y;
    int m, d, H, M, S, wday, yday;
    int64_t t;
};

static void
civil_from_time(int64_t t, struct civil *c)
{
    int64_t z = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - z * 86400;
    c->t = t;
    c->H = (int)(secs / 3600), c->M = (int)(secs / 60 % 60), c->S = (int)(secs % 60);
    c->wday = (int)(((z % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c->d = (int)(doy - (153 * mp + 2) / 5 + 1);
    c->m = (int)(mp < 10 ? mp + 3 : mp - 9);
    c->y = yoe + era * 400 + (c->m <= 2);
    c->yday = (int)(days_from_civil(c->y, c->m, c->d) - days_from_civil(c->y, 1, 1));
}

static int
digits(const char **p, const char *end, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (*p == end || **p < '0' || **p > '9') return -1;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return 0;
}

static int
month_days(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* The zone suffix: Z, +HH, +HHMM or +HH:MM; seconds east of UTC in *off. */
static int
parse_zone(const char *p, const char *end, int *off)
{
    *off = 0;
    if (p == end) return 0;
    if ((*p == 'Z' || *p == 'z') && p + 1 == end) return 0;
    if (*p != '+' && *p != '-') return -1;
    int sign = *p++ == '-' ? -1 : 1, h, m = 0;
    if (digits(&p, end, 2, &h) < 0 || h > 23) return -1;
    if (p < end && *p == ':') p++;
    if (p < end && (digits(&p, end, 2, &m) < 0 || m > 59)) return -1;
    if (p != end) return -1;
    *off = sign * (h * 3600 + m * 60);
    return 0;
}

/* ISO 8601: 2024-03-05, 2024-03-05T14:30, ...T14:30:00.250Z, ...T14:30:00+02:00 */
static int
parse_iso(const char *p, const char *end, int64_t *t)
{
    int y, m, d, H = 0, M = 0, S = 0, zone;
    if (digits(&p, end, 4, &y) < 0 || p == end || *p++ != '-' || digits(&p, end, 2, &m) < 0 ||
        p == end || *p++ != '-' || digits(&p, end, 2, &d) < 0)
        return -1;
    if (m < 1 || m > 12 || d < 1 || d > month_days(y, m)) return -1;
    if (p < end && (*p == 'T' || *p == 't' || *p == ' ')) {
        p++;
        if (digits(&p, end, 2, &H) < 0 || p == end || *p++ != ':' || digits(&p, end, 2, &M) < 0)
            return -1;
        if (p < end && *p == ':') {
            p++;
            if (digits(&p, end, 2, &S) < 0) return -1;
            if (p < end && (*p == '.' || *p == ',')) /* fractions of a second: ignored */
                for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
                }
        }
        if (H > 23 || M > 59 || S > 60) return -1;
        if (S == 60) S = 59; /* a leap second shows as :59 */
    }
    if (parse_zone(p, end, &zone) < 0) return -1;
    *t = days_from_civil(y, m, d) * 86400 + H * 3600 + M * 60 + S - zone;
    return 0;
}

static int
time_from_val(const struct tpl_val *v, int64_t *t)
{
    const char *s;
    size_t n;
    if (!v->is_str && json_is_integer(v->j)) {
        *t = json_integer_value(v->j);
    } else if (!v->is_str && json_is_real(v->j)) {
        double x = json_real_value(v->j);
        if (!(x >= (double)MIN_TIME && x <= (double)MAX_TIME)) return -1;
        *t = (int64_t)x;
        if ((double)*t > x) --*t; /* round down, not toward zero */
    } else {
        if (v->is_str)
            s = v->s, n = v->n;
        else if (json_is_string(v->j))
            s = json_string_value(v->j), n = json_string_length(v->j);
        else
            return -1;
        while (n && is_space(*s))
            s++, n--;
        while (n && is_space(s[n - 1]))
            n--;
        size_t k = n && s[0] == '-';
        if (n > k && n - k <= 12 && strspn(s + k, "0123456789") == n - k) {
            char tmp[16];
            memcpy(tmp, s, n);
            tmp[n] = '\0';
            *t = strtoll(tmp, NULL, 10);
        } else if (parse_iso(s, s + n, t) < 0) {
            return -1;
        }
    }
    return *t >= MIN_TIME && *t <= MAX_TIME ? 0 : -1;
}

static const char *const wdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                    "Thursday", "Friday", "Saturday"};
static const char *const months[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};

static bool
put_num(struct buf *b, int64_t v, int width, char pad, bool nopad)
{
    if (nopad) width = 0;
    return pad == ' ' ? buf_printf(b, "%*lld", width, (long long)v)
                      : buf_printf(b, "%0*lld", width, (long long)v);
}

static bool
date_conv(struct buf *b, const struct civil *c, char conv, bool np)
{
    int h12 = c->H % 12 ? c->H % 12 : 12;
    switch (conv) {
    case 'Y': return put_num(b, c->y, 4, '0', np);
    case 'y': return put_num(b, c->y % 100, 2, '0', np);
    case 'm': return put_num(b, c->m, 2, '0', np);
    case 'd': return put_num(b, c->d, 2, '0', np);
    case 'e': return put_num(b, c->d, 2, ' ', np);
    case 'H': return put_num(b, c->H, 2, '0', np);
    case 'I': return put_num(b, h12, 2, '0', np);
    case 'M': return put_num(b, c->M, 2, '0', np);
    case 'S': return put_num(b, c->S, 2, '0', np);
    case 'j': return put_num(b, c->yday + 1, 3, '0', np);
    case 's': return put_num(b, c->t, 1, '0', np);
    case 'u': return put_num(b, c->wday ? c->wday : 7, 1, '0', np);
    case 'w': return put_num(b, c->wday, 1, '0', np);
    case 'p': return buf_puts(b, c->H < 12 ? "AM" : "PM");
    case 'a': return buf_append(b, wdays[c->wday], 3);
    case 'A': return buf_puts(b, wdays[c->wday]);
    case 'b':
    case 'h': return buf_append(b, months[c->m - 1], 3);
    case 'B': return buf_puts(b, months[c->m - 1]);
    case 'Z': return buf_puts(b, "UTC");
    case 'z': return buf_puts(b, "+0000");
    case 'F':
        return date_conv(b, c, 'Y', 0) && buf_putc(b, '-') && date_conv(b, c, 'm', 0) &&
               buf_putc(b, '-') && date_conv(b, c, 'd', 0);
    case 'T': return date_conv(b, c, 'R', 0) && buf_putc(b, ':') && date_conv(b, c, 'S', 0);
    case 'R': return date_conv(b, c, 'H', 0) && buf_putc(b, ':') && date_conv(b, c, 'M', 0);
    case 'D':
        return date_conv(b, c, 'm', 0) && buf_putc(b, '/') && date_conv(b, c, 'd', 0) &&
               buf_putc(b, '/') && date_conv(b, c, 'y', 0);
    case 'n': return buf_putc(b, '\n');
    case 't': return buf_putc(b, '\t');
    default: return buf_putc(b, '%');
    }
}

static bool
format_date(struct buf *b, int64_t t, const char *fmt, size_t n)
{
    struct civil c;
    civil_from_time(t, &c);
    for (size_t i = 0; i < n; i++) {
        if (fmt[i] != '%') {
            if (!buf_putc(b, fmt[i])) return false;
            continue;
        }
        bool np = fmt[++i] == '-'; /* checked at compile time: a conversion follows */
        if (np) i++;
        if (!date_conv(b, &c, fmt[i], np)) return false;
    }
    return true;
}

/* ------------------------------------------------------------------ apply */

static int
bad_input(const struct tpl_val *v, struct buf *tmp, const char *what, char *msg, size_t msglen)
{
    struct tpl_val c = *v;
    if (!tpl_val_text(&c, tmp)) c.s = "?", c.n = 1;
    snprintf(msg, msglen, "filter \"%s\": \"%.*s\" is not %s", what, (int)(c.n > 40 ? 40 : c.n),
             c.s, what[0] == 'd' ? "an ISO 8601 date or Unix time" : "a number");
    return -1;
}

#define NOMEM(msg, len) (snprintf(msg, len, "out of memory"), -2)

int
tpl_filter_apply(const struct tpl *t, const struct tpl_filt *f, struct tpl_val *v, struct buf *out,
                 struct buf *tmp, char *msg, size_t msglen)
{
    const char *arg = f->has_arg ? t->pool + f->arg : "";
    buf_reset(out);
    if (f->op == FOP_DEFAULT) {
        if (is_empty(v)) *v = (struct tpl_val){.s = arg, .n = f->arglen, .is_str = true};
        return 0;
    }
    if (v->missing) return 0; /* nothing to work on: stays missing */
    struct dec d;
    int64_t tm;
    switch (f->op) {
    case FOP_NUMBER:
    case FOP_MONEY:
        if (dec_from_val(v, &d) < 0)
            return bad_input(v, tmp, f->op == FOP_MONEY ? "money" : "number", msg, msglen);
        if (f->op == FOP_NUMBER && f->has_arg) dec_round(&d, f->num);
        if (f->op == FOP_NUMBER ? (d.neg && !buf_putc(out, '-')) || !dec_put(out, &d)
                                : !money(out, &d, arg, f->arglen))
            return NOMEM(msg, msglen);
        set_out(v, out);
        return 0;
    case FOP_DATE:
        if (time_from_val(v, &tm) < 0) return bad_input(v, tmp, "date", msg, msglen);
        if (!f->has_arg) arg = DEFAULT_DATE;
        if (!format_date(out, tm, arg, strlen(arg))) return NOMEM(msg, msglen);
        set_out(v, out);
        return 0;
    default: break;
    }
    if (!tpl_val_text(v, tmp)) return NOMEM(msg, msglen);
    bool ok = true;
    switch (f->op) {
    case FOP_UPCASE:
    case FOP_DOWNCASE:
    case FOP_CAPITALIZE: ok = change_case(v, out, f->op); break;
    case FOP_URL_ENCODE:
        ok = tpl_url_encode(out, v->s, v->n);
        if (ok) set_out(v, out);
        break;
    case FOP_TRUNCATE: ok = truncate_text(v, out, f->num); break;
    default: break;
    }
    return ok ? 0 : NOMEM(msg, msglen);
}
