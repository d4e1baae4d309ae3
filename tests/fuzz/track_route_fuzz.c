/*
 * track_route_fuzz.c - libFuzzer target for the tracker's request router
 * and its form parser (track/route.c, track/form.c)
 *
 * The input is used as a request path and as a POST body. The router must
 * hand back a token that lies inside the path, is non-empty and holds no
 * '/', and only for token routes; the form parser must always make
 * progress and return bounded, NUL-terminated fields. Any violation traps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
token_route(enum tr_route r)
{
    return r == TR_CLICK || r == TR_OPEN || r == TR_UNSUBSCRIBE || r == TR_CONFIRM ||
           r == TR_PREFERENCES;
}

static void
as_path(const char *path, size_t len)
{
    struct tr_match m;
    tr_route_match(path, "/t", &m);
    if (!token_route(m.route)) {
        if (m.token || m.token_len) __builtin_trap();
        return;
    }
    if (!m.token || m.token_len == 0 || m.token < path || m.token + m.token_len > path + len ||
        memchr(m.token, '/', m.token_len))
        __builtin_trap();
    for (int meth = TR_GET; meth <= TR_OTHER_METHOD; meth++)
        if (tr_route_allows(m.route, (enum tr_method)meth) && meth == TR_OTHER_METHOD)
            __builtin_trap();
}

static void
as_form(const char *body, size_t len)
{
    struct form_iter it;
    struct form_field f;
    size_t fields = 0;
    form_iter_init(&it, body, len);
    int rc;
    while ((rc = form_next(&it, &f)) > 0) {
        if (strnlen(f.name, FORM_FIELD_MAX) == FORM_FIELD_MAX ||
            strnlen(f.value, FORM_FIELD_MAX) == FORM_FIELD_MAX || ++fields > len + 1)
            __builtin_trap();
    }
    if (rc < -1) __builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    as_path(text, strlen(text)); /* a path is a C string: up to the first NUL */
    as_form(text, size);
    free(text);
    return 0;
}
