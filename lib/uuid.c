/*
 * uuid.c - version 4 and version 7 UUIDs (see uuid.h)
 */
#include "uuid.h"

#include <openssl/rand.h>

/* Set the version nibble and the RFC 9562 variant bits. */
static void
stamp(unsigned char raw[16], unsigned version)
{
    raw[6] = (unsigned char)((raw[6] & 0x0f) | (version << 4));
    raw[8] = (unsigned char)((raw[8] & 0x3f) | 0x80);
}

bool
uuid_v4(unsigned char raw[16])
{
    if (RAND_bytes(raw, 16) != 1) return false;
    stamp(raw, 4);
    return true;
}

bool
uuid_v7(unsigned char raw[16], int64_t unix_ms)
{
    if (RAND_bytes(raw + 6, 10) != 1) return false;
    uint64_t ms = unix_ms < 0 ? 0 : (uint64_t)unix_ms & 0xffffffffffffULL;
    for (int i = 5; i >= 0; i--, ms >>= 8)
        raw[i] = (unsigned char)(ms & 0xff);
    stamp(raw, 7);
    return true;
}

int64_t
uuid_v7_ms(const unsigned char raw[16])
{
    if ((raw[6] >> 4) != 7) return -1;
    int64_t ms = 0;
    for (int i = 0; i < 6; i++)
        ms = ms << 8 | raw[i];
    return ms;
}
