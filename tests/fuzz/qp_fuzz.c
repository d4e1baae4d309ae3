/*
 * qp_fuzz.c - libFuzzer target for the quoted-printable encoder
 *
 * Every input is encoded with mime_qp_encode(); the result must have the
 * shape RFC 2045 demands and GMime's decoder must give the input back,
 * each LF as CRLF (tests/unit/qp_check.h). Any failure traps.
 */
#include <stdint.h>
#include <stdlib.h>

#include "mime.h"
#include "unit/qp_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mime_init();
    if (qp_check((const char *)data, size)) __builtin_trap();
    return 0;
}
