/*
 * en_time.c - ISO 8601 instants <-> Unix seconds, without TZ or locale
 *
 * The civil-date arithmetic is Howard Hinnant's days_from_civil, so no
 * libc time function (and no global TZ state) is involved.
 */
#include "en_time.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int64_t
en_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void
en_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Read exactly `n` digits at *p into *v. */
static bool
digits(const char **p, int n, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (!isdigit((unsigned char)**p)) return false;
        *v = *v * 10 + (unsigned)(**p - '0');
    }
    return true;
}

static int
bad(const char *s, const char *what, char *why, size_t whylen)
{
    snprintf(why, whylen, "\"%.40s\" is not an ISO 8601 time (%s)", s, what);
    return -1;
}

static bool
days_in_month_ok(unsigned y, unsigned m, unsigned d)
{
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] + (m == 2 && leap);
}

/* "Z", "+HH:MM", "+HHMM", "+HH" or nothing, as seconds east of UTC. */
static bool
zone(const char *p, int64_t *east)
{
    *east = 0;
    if (*p == '\0' || (p[0] == 'Z' && p[1] == '\0')) return true;
    if (*p != '+' && *p != '-') return false;
    int sign = *p++ == '-' ? -1 : 1;
    unsigned hh, mm = 0;
    if (!digits(&p, 2, &hh)) return false;
    if (*p == ':') p++;
    if (*p && !digits(&p, 2, &mm)) return false;
    if (*p || hh > 23 || mm > 59) return false;
    *east = sign * (int64_t)(hh * 3600 + mm * 60);
    return true;
}

int
en_time_parse(const char *s, int64_t *t, char *why, size_t whylen)
{
    const char *p = s;
    unsigned y, mo, d, h = 0, mi = 0, sec = 0;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return bad(s, "want YYYY-MM-DD", why, whylen);
    if (!days_in_month_ok(y, mo, d)) return bad(s, "no such date", why, whylen);
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
            return bad(s, "want HH:MM after the date", why, whylen);
        if (*p == ':' && (p++, !digits(&p, 2, &sec)))
            return bad(s, "want two digits of seconds", why, whylen);
        if (h > 23 || mi > 59 || sec > 60) return bad(s, "no such time of day", why, whylen);
    }
    int64_t east;
    if (!zone(p, &east)) return bad(s, "want Z or an offset like +02:00 at the end", why, whylen);
    *t = en_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - east;
    return 0;
}

void
en_time_format(int64_t t, char *out, size_t outlen)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400, y;
    unsigned m, d;
    en_civil_from_days(days, &y, &m, &d);
    snprintf(out, outlen, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02uZ", y, m, d,
             (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}
