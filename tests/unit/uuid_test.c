/*
 * uuid_test.c - version 4 and version 7 UUIDs
 */
#include <string.h>

#include "tap.h"
#include "token.h"
#include "uuid.h"

static void
v4_carries_its_version_and_variant(void)
{
    unsigned char a[16], b[16];
    ok(uuid_v4(a) && uuid_v4(b), "two version 4 UUIDs are made");
    ok(a[6] >> 4 == 4 && (a[8] & 0xc0) == 0x80, "version 4 and the RFC 9562 variant are set");
    ok(memcmp(a, b, 16) != 0, "two of them differ");
    is_int(uuid_v7_ms(a), -1, "a version 4 UUID has no send time");
}

static void
v7_carries_its_millisecond(void)
{
    unsigned char a[16];
    const int64_t ms = 1764612345678; /* 2025-12-01T18:05:45.678Z */
    ok(uuid_v7(a, ms), "a version 7 UUID is made");
    ok(a[6] >> 4 == 7 && (a[8] & 0xc0) == 0x80, "version 7 and the RFC 9562 variant are set");
    is_int(uuid_v7_ms(a), ms, "its first 48 bits are the Unix milliseconds it was made for");
    char text[37];
    tok_uuid_format(a, text);
    ok(strncmp(text, "019adb17-", 9) == 0, "the time shows in the printed form's first group");
}

static void
v7_sorts_by_time(void)
{
    unsigned char early[16], late[16];
    uuid_v7(early, 1000);
    uuid_v7(late, 1001);
    ok(memcmp(early, late, 16) < 0, "an id made a millisecond later sorts after");
}

static void
v7_ids_of_one_millisecond_increase(void)
{
    unsigned char prev[16], cur[16];
    const int64_t ms = 1764612345678;
    bool rising = uuid_v7(prev, ms);
    for (int i = 0; i < 5000 && rising; i++) {
        rising = uuid_v7(cur, ms) && memcmp(prev, cur, 16) < 0;
        memcpy(prev, cur, 16);
    }
    ok(rising, "5,000 ids made for one millisecond each sort after the one before");
    ok(uuid_v7_ms(cur) > ms, "past 4,096 of them the count moves on to the next millisecond");
    ok(cur[6] >> 4 == 7 && (cur[8] & 0xc0) == 0x80, "and they stay version 7");
}

static void
v7_keeps_an_older_time_given_on_purpose(void)
{
    unsigned char a[16];
    uuid_v7(a, 1764612345678);
    uuid_v7(a, 1000);
    is_int(uuid_v7_ms(a), 1000, "an id for a time long before the last one keeps that time");
}

int
main(void)
{
    v4_carries_its_version_and_variant();
    v7_carries_its_millisecond();
    v7_sorts_by_time();
    v7_ids_of_one_millisecond_increase();
    v7_keeps_an_older_time_given_on_purpose();
    return tap_done();
}
