/*
 * en_window.c - inside the window, or when it opens next (see en_window.h)
 */
#include "en_window.h"

#include <stdbool.h>

#include "en_tz.h"

#define DAY 86400

static int64_t
floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : (a - b + 1) / b;
}

/* Monday 0 ... Sunday 6 of local day number `day` (1970-01-01 was a Thursday). */
static unsigned
weekday(int64_t day)
{
    return (unsigned)((day % 7 + 7 + 3) % 7);
}

static bool
day_on(const struct lh_window *w, int64_t day)
{
    return w->days & (1u << weekday(day));
}

/* Is local time `local` (seconds, wall clock as if UTC) inside the window? */
static bool
inside(const struct lh_window *w, int64_t local)
{
    int64_t day = floor_div(local, DAY);
    unsigned min = (unsigned)((local - day * DAY) / 60);
    if (w->all_day) return day_on(w, day);
    if (w->start_min < w->end_min) return day_on(w, day) && min >= w->start_min && min < w->end_min;
    return (min >= w->start_min && day_on(w, day)) || (min < w->end_min && day_on(w, day - 1));
}

/*
 * The UTC instant of wall-clock time `local` in `tz` (two passes settle
 * DST). A time the clock skips (02:30 on a spring-forward night) is the
 * instant the clock jumps past it, found between the two offsets'
 * readings: the first moment a window opening then is open.
 */
static int
to_utc(const char *tz, int64_t local, int64_t *utc, char *err, size_t errlen)
{
    int32_t first, second, back;
    if (en_tz_offset(tz, local, &first, err, errlen) < 0) return -1;
    if (en_tz_offset(tz, local - first, &second, err, errlen) < 0) return -1;
    int64_t u = local - second;
    if (en_tz_offset(tz, u, &back, err, errlen) < 0) return -1;
    if (u + back != local) { /* in the gap: the clock jumps past `local` between the readings */
        int64_t lo = local - first < u ? local - first : u,
                hi = local - first < u ? u : local - first;
        int32_t before, at;
        if (en_tz_offset(tz, lo, &before, err, errlen) < 0) return -1;
        while (hi - lo > 1) { /* the first second of the new offset */
            int64_t mid = lo + (hi - lo) / 2;
            if (en_tz_offset(tz, mid, &at, err, errlen) < 0) return -1;
            if (at == before)
                lo = mid;
            else
                hi = mid;
        }
        u = hi;
    }
    *utc = u;
    return 0;
}

int
en_window_next(const struct lh_window *w, const char *tz, int64_t now, int64_t *open, char *err,
               size_t errlen)
{
    int32_t east;
    if (en_tz_offset(tz, now, &east, err, errlen) < 0) return -1;
    int64_t local = now + east;
    if (inside(w, local) || w->days == 0) {
        *open = now;
        return 0;
    }
    int64_t today = floor_div(local, DAY);
    unsigned start = w->all_day ? 0 : w->start_min;
    for (int64_t day = today; day <= today + 8; day++) {
        int64_t opening = day * DAY + start * 60, utc;
        if (opening <= local || !day_on(w, day)) continue;
        if (to_utc(tz, opening, &utc, err, errlen) < 0) return -1;
        if (utc > now) {
            *open = utc;
            return 0;
        }
    }
    *open = now; /* unreachable for a valid window: never hold a step forever */
    return 0;
}
