/*
 * uuid.c - version 4 and version 7 UUIDs (see uuid.h)
 *
 * The random bits come from OpenSSL's generator, taken 4 KiB at a time into
 * a buffer of the calling thread: the tracker makes an id for every click,
 * and one RAND_bytes call per id (locks, a DRBG round) cost more than the
 * rest of the id. Bytes are handed out once and wiped as they go.
 */
#include "uuid.h"

#include <string.h>

#include <openssl/rand.h>

#define POOL_BYTES 4096

static _Thread_local unsigned char pool[POOL_BYTES];
static _Thread_local size_t pool_left; /* unused bytes at the end of pool */

/* `n` (at most POOL_BYTES) random bytes; false when the generator fails. */
static bool
random_bytes(unsigned char *out, size_t n)
{
    if (pool_left < n) {
        if (RAND_bytes(pool, POOL_BYTES) != 1) return false;
        pool_left = POOL_BYTES;
    }
    unsigned char *from = pool + POOL_BYTES - pool_left;
    memcpy(out, from, n);
    memset(from, 0, n);
    pool_left -= n;
    return true;
}

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
    if (!random_bytes(raw, 16)) return false;
    stamp(raw, 4);
    return true;
}

static _Thread_local uint64_t last_ms;    /* of this thread's last version 7 id */
static _Thread_local unsigned last_count; /* its 12-bit counter */

bool
uuid_v7(unsigned char raw[16], int64_t unix_ms)
{
    if (!random_bytes(raw + 6, 10)) return false;
    uint64_t ms = unix_ms < 0 ? 0 : (uint64_t)unix_ms & 0xffffffffffffULL;
    unsigned count = ((raw[6] & 0x07u) << 8 | raw[7]); /* a random start, half the range left */
    if (last_ms && ms <= last_ms && last_ms - ms < 10000) { /* same ms, or a clock stepped back */
        ms = last_ms;
        count = last_count + 1;
        if (count > 0xfff) ms++, count = raw[7]; /* counted out: on to the next millisecond */
    }
    last_ms = ms, last_count = count;
    raw[6] = (unsigned char)(count >> 8), raw[7] = (unsigned char)(count & 0xff);
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
