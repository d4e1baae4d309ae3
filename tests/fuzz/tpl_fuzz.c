/*
 * tpl_fuzz.c - libFuzzer target for template compiling and rendering
 *
 * Input: template source, a NUL byte, then a JSON view (optional). The
 * template is compiled and rendered in both contexts and both modes with a
 * small output cap; every partial or parent name resolves to the template
 * itself, so recursion caps are exercised too. Compile and render may fail;
 * they may not crash, leak or overrun.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "tpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct tpl *
self(void *ctx, const char *name, struct tpl_error *err)
{
    (void)err;
    return name[0] == 'x' ? NULL : ctx; /* names starting with x are missing */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    const char *nul = memchr(data, '\0', size);
    size_t tlen = nul ? (size_t)(nul - src) : size;
    json_t *view = nul ? json_loadb(nul + 1, size - tlen - 1, JSON_DECODE_ANY, NULL) : NULL;
    struct tpl_opts o = {.name = "self", .max_source = 1 << 16};
    struct tpl_error err;
    struct tpl *t = tpl_compile(src, tlen, &o, &err);
    if (t) {
        for (int mode = 0; mode < 4; mode++) {
            struct tpl_render_opts ro = {.context = mode & 1 ? TPL_TEXT : TPL_HTML,
                                         .strict = mode & 2,
                                         .max_output = 1 << 16,
                                         .max_partial_depth = 8,
                                         .partial = self,
                                         .partial_ctx = t};
            struct buf out = BUF_INIT;
            tpl_render(t, view, &ro, &out, &err);
            buf_free(&out);
        }
    }
    tpl_free(t);
    json_decref(view);
    return 0;
}
