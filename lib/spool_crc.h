/*
 * spool_crc.h - CRC-32C (Castagnoli), the checksum of spool records
 *
 * Owns: one function. CRC-32C rather than zlib's CRC-32: it detects more
 * error patterns in short records, it is what other logs of this kind use
 * (ext4 and btrfs metadata, iSCSI, LevelDB), and a 256-entry table is a
 * few lines, not a new dependency (and x86-64 computes it in hardware).
 * Depends on: libc only.
 */
#ifndef TERN_SPOOL_CRC_H
#define TERN_SPOOL_CRC_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC-32C over `len` bytes; start with crc = 0.
 * spool_crc32c(0, "123456789", 9) == 0xE3069283. Thread-safe. */
uint32_t spool_crc32c(uint32_t crc, const void *data, size_t len);

#endif
