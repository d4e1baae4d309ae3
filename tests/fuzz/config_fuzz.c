/*
 * config_fuzz.c - libFuzzer target: tern.conf loading never crashes
 *
 * Any bytes are fed to the config loader; it must either return a snapshot
 * or report problems, never read out of bounds or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0'; /* the loader takes text; NULs end it early, as in a file check */
    struct buf errors = BUF_INIT;
    struct config *cfg = config_load_string("fuzz.conf", text, &errors);
    config_unref(cfg);
    buf_free(&errors);
    free(text);
    return 0;
}
