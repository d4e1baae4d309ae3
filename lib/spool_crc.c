/*
 * spool_crc.c - CRC-32C (see spool_crc.h)
 *
 * Reflected polynomial 0x82F63B78. On x86-64 processors with SSE4.2 (every
 * one since 2008) the crc32 instruction does eight bytes at a time: every
 * click's record is checksummed on its HTTP thread, and the table did one
 * byte per lookup. Elsewhere, one table lookup per byte; the table is built
 * once (pthread_once) so no thread ever sees it half filled.
 */
#include "spool_crc.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

static uint32_t table[256];
static bool have_sse42;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void
build_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        table[i] = c;
    }
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    have_sse42 = __builtin_cpu_supports("sse4.2");
#endif
}

static uint32_t
crc_table(uint32_t crc, const unsigned char *p, size_t len)
{
    while (len--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("sse4.2"))) static uint32_t
crc_sse42(uint32_t crc, const unsigned char *p, size_t len)
{
    uint64_t c = crc;
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = __builtin_ia32_crc32di(c, word);
    }
    crc = (uint32_t)c;
    while (len--)
        crc = __builtin_ia32_crc32qi(crc, *p++);
    return crc;
}
#endif

uint32_t
spool_crc32c(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&table_once, build_table);
#if defined(__x86_64__) && defined(__GNUC__)
    if (have_sse42) return ~crc_sse42(~crc, data, len);
#endif
    return ~crc_table(~crc, data, len);
}
