/*
 * engine_time_test.c - instants, IANA zones and journey windows
 *
 * ISO 8601 parsing and printing (en_time), UTC offsets read from the tz
 * database (en_tz) and the next opening of a window (en_window), with
 * expected instants written as ISO 8601 with an explicit offset so each
 * case reads as the wall-clock time it means.
 */
#include <stdio.h>
#include <string.h>

#include "engine/en_time.h"
#include "engine/en_tz.h"
#include "engine/en_window.h"
#include "tap.h"

static int64_t
at(const char *iso)
{
    int64_t t = 0;
    if (en_time_parse(iso, &t, NULL, 0) < 0) diag("fixture time %s does not parse", iso);
    return t;
}

static void
parses_iso_forms(void)
{
    ok(at("1970-01-01") == 0, "a bare date is midnight UTC");
    ok(at("2026-03-01T09:30:15Z") == at("2026-03-01 09:30:15") &&
           at("2026-03-01T09:30") == at("2026-03-01T09:30:00Z"),
       "Z, no zone, a space for T and missing seconds agree");
    ok(at("2026-03-01T11:30:00+02:00") == at("2026-03-01T09:30:00Z") &&
           at("2026-03-01T04:00-0530") == at("2026-03-01T09:30:00Z"),
       "offsets east and west of UTC");
}

static void
refuses_bad_times(void)
{
    char why[128];
    int64_t t;
    ok(en_time_parse("2026-02-30", &t, why, sizeof why) < 0, "refuses February 30");
    like(why, "no such date", "says why");
    ok(en_time_parse("2026-03-01T25:00", &t, why, sizeof why) < 0, "refuses hour 25");
    ok(en_time_parse("2026-03-01T10:00 CET", &t, why, sizeof why) < 0, "refuses zone names");
    ok(en_time_parse("next tuesday", &t, why, sizeof why) < 0, "refuses prose");
}

static void
prints_utc(void)
{
    char out[32];
    en_time_format(at("2028-02-29T23:59:59+00:00"), out, sizeof out);
    is_str(out, "2028-02-29T23:59:59Z", "formats a leap day in UTC");
    en_time_format(-1, out, sizeof out);
    is_str(out, "1969-12-31T23:59:59Z", "and instants before 1970");
}

static void
reads_zone_offsets(void)
{
    char err[256];
    int32_t winter = 1, summer = 1;
    ok(en_tz_offset("Europe/Berlin", at("2026-01-15T12:00Z"), &winter, err, sizeof err) == 0 &&
           en_tz_offset("Europe/Berlin", at("2026-07-15T12:00Z"), &summer, err, sizeof err) == 0 &&
           winter == 3600 && summer == 7200,
       "Europe/Berlin: +1h in winter, +2h in summer");
    int32_t kolkata = 0;
    en_tz_offset("Asia/Kolkata", at("2026-07-15T12:00Z"), &kolkata, err, sizeof err);
    is_int(kolkata, 19800, "Asia/Kolkata: +5:30");
}

static void
switches_at_the_transition(void)
{
    char err[256];
    int32_t before = 0, after = 0;
    en_tz_offset("America/New_York", at("2026-03-08T06:59:59Z"), &before, err, sizeof err);
    en_tz_offset("America/New_York", at("2026-03-08T07:00:00Z"), &after, err, sizeof err);
    ok(before == -5 * 3600 && after == -4 * 3600, "New York changes to EDT at 2:00 local");
}

static void
refuses_bad_zones(void)
{
    char err[256];
    int32_t off;
    ok(en_tz_offset("Mars/Olympus", 0, &off, err, sizeof err) < 0, "an unknown zone fails");
    like(err, "no such zone", "saying so");
    ok(en_tz_offset("../../etc/passwd", 0, &off, err, sizeof err) < 0, "a path is refused");
    like(err, "not an IANA zone name", "as not a zone name");
}

static const struct lh_window office = {.start_min = 8 * 60, .end_min = 20 * 60, .days = 0x1f};
static const struct lh_window night = {.start_min = 22 * 60, .end_min = 6 * 60, .days = 0x10};

static int64_t
next_open(const struct lh_window *w, const char *tz, const char *now)
{
    char err[256];
    int64_t open = -1;
    if (en_window_next(w, tz, at(now), &open, err, sizeof err) < 0) diag("%s", err);
    return open;
}

static void
open_window_is_now(void)
{
    ok(next_open(&office, "Europe/Berlin", "2026-01-05T10:00:00+01:00") ==
           at("2026-01-05T10:00:00+01:00"),
       "inside the window the answer is now");
}

static void
evening_waits_for_the_morning(void)
{
    ok(next_open(&office, "Europe/Berlin", "2026-01-05T20:00:00+01:00") ==
           at("2026-01-06T08:00:00+01:00"),
       "the end minute is outside: 20:00 waits for 08:00 next day");
}

static void
weekend_waits_for_monday(void)
{
    ok(next_open(&office, "Europe/Berlin", "2026-01-10T09:00:00+01:00") ==
           at("2026-01-12T08:00:00+01:00"),
       "mon-fri: Saturday morning waits for Monday 08:00");
}

static void
window_over_midnight_belongs_to_its_first_day(void)
{
    /* fri 22:00 - sat 06:00 only */
    ok(next_open(&night, "UTC", "2026-01-10T03:00:00Z") == at("2026-01-10T03:00:00Z"),
       "Saturday 03:00 is inside Friday's night window");
    ok(next_open(&night, "UTC", "2026-01-11T03:00:00Z") == at("2026-01-16T22:00:00Z"),
       "Sunday 03:00 is not: it waits for Friday 22:00");
}

static void
opening_follows_daylight_saving(void)
{
    ok(next_open(&office, "Europe/Berlin", "2026-03-27T21:00:00+01:00") ==
           at("2026-03-30T08:00:00+02:00"),
       "an opening after the spring change is at 08:00 summer time");
}

static void
opening_in_the_spring_gap_is_when_the_clock_jumps(void)
{
    static const struct lh_window two = {.start_min = 2 * 60, .end_min = 20 * 60, .days = 0x7f};
    /* New York skips 02:00-03:00 on 2026-03-08: 07:00Z is 01:59:59 EST, then 03:00 EDT */
    ok(next_open(&two, "America/New_York", "2026-03-08T01:30:00-05:00") ==
           at("2026-03-08T03:00:00-04:00"),
       "west of UTC: a window opening at 02:00 on the spring-forward day opens at 03:00 EDT");
    /* Amsterdam skips 02:00-03:00 on 2026-03-29: 01:00Z */
    ok(next_open(&two, "Europe/Amsterdam", "2026-03-29T01:30:00+01:00") ==
           at("2026-03-29T03:00:00+02:00"),
       "east of UTC: likewise at 03:00 CEST");
    static const struct lh_window half = {
        .start_min = 2 * 60 + 30, .end_min = 20 * 60, .days = 0x7f};
    ok(next_open(&half, "America/New_York", "2026-03-08T01:30:00-05:00") ==
           at("2026-03-08T03:00:00-04:00"),
       "an opening inside the skipped hour (02:30) opens at the jump too, not an hour later");
}

int
main(void)
{
    parses_iso_forms();
    refuses_bad_times();
    prints_utc();
    reads_zone_offsets();
    switches_at_the_transition();
    refuses_bad_zones();
    open_window_is_now();
    evening_waits_for_the_morning();
    weekend_waits_for_monday();
    window_over_midnight_belongs_to_its_first_day();
    opening_follows_daylight_saving();
    opening_in_the_spring_gap_is_when_the_clock_jumps();
    en_tz_flush();
    return tap_done();
}
