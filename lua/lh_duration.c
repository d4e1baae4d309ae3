/*
 * lh_duration.c - "30s 90m 12h 3d 2w" and signed offsets (see lh_duration.h)
 */
#include "lh_duration.h"

#include <stdio.h>

#define MAX_SECS LH_DURATION_MAX

static int64_t
unit_seconds(char u)
{
    switch (u) {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return 86400;
    case 'w': return 7 * 86400;
    default: return 0;
    }
}

static int
bad(const char *s, char *why, size_t whylen)
{
    snprintf(why, whylen, "\"%.40s\" is not a duration like 30s, 90m, 12h, 3d or 2w", s);
    return -1;
}

/* Digits then one unit letter, nothing else; the magnitude in seconds. */
static int
parse_magnitude(const char *s, const char *whole, int64_t *secs, char *why, size_t whylen)
{
    int64_t n = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (*p - '0');
        if (n > MAX_SECS) break;
    }
    if (p == s) return bad(whole, why, whylen);
    int64_t unit = unit_seconds(*p);
    if (!unit || p[1] != '\0') {
        if (*p >= '0' && *p <= '9') { /* stopped early: far too large */
            snprintf(why, whylen, "\"%.40s\" is longer than 100 years", whole);
            return -1;
        }
        return bad(whole, why, whylen);
    }
    if (n > MAX_SECS / unit) {
        snprintf(why, whylen, "\"%.40s\" is longer than 100 years", whole);
        return -1;
    }
    *secs = n * unit;
    return 0;
}

int
lh_duration_parse(const char *s, int64_t *secs, char *why, size_t whylen)
{
    if (parse_magnitude(s, s, secs, why, whylen) < 0) return -1;
    if (*secs == 0) {
        snprintf(why, whylen, "\"%.40s\": a duration must be at least 1s", s);
        return -1;
    }
    return 0;
}

int
lh_offset_parse(const char *s, int64_t *secs, char *why, size_t whylen)
{
    if (s[0] == '0' && s[1] == '\0') {
        *secs = 0;
        return 0;
    }
    int sign = s[0] == '-' ? -1 : 1;
    const char *mag = s[0] == '-' || s[0] == '+' ? s + 1 : s;
    if (parse_magnitude(mag, s, secs, why, whylen) < 0) return -1;
    *secs *= sign;
    return 0;
}

void
lh_duration_format(int64_t secs, char *out, size_t outlen)
{
    static const char units[] = "wdhms";
    for (const char *u = units; *u; u++) {
        int64_t unit = unit_seconds(*u);
        if (secs != 0 && secs % unit == 0) {
            snprintf(out, outlen, "%lld%c", (long long)(secs / unit), *u);
            return;
        }
    }
    snprintf(out, outlen, "%llds", (long long)secs);
}
