/*
 * form.c - urlencoded form fields (see form.h)
 */
#include "form.h"

#include <string.h>

void
form_iter_init(struct form_iter *it, const char *body, size_t len)
{
    it->p = body;
    it->end = body + len;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decode [s, e) into out; -1 when malformed or too long. */
static int
decode(const char *s, const char *e, char out[FORM_FIELD_MAX])
{
    size_t n = 0;
    while (s < e) {
        int c = (unsigned char)*s++;
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = s < e ? hexval(s[0]) : -1, lo = s + 1 < e ? hexval(s[1]) : -1;
            if (hi < 0 || lo < 0) return -1;
            c = hi * 16 + lo;
            s += 2;
        }
        if (c == 0 || n + 1 >= FORM_FIELD_MAX) return -1;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return 0;
}

int
form_next(struct form_iter *it, struct form_field *f)
{
    while (it->p < it->end && *it->p == '&') /* empty pairs ("a=1&&b=2") */
        it->p++;
    if (it->p >= it->end) return 0;
    const char *amp = memchr(it->p, '&', (size_t)(it->end - it->p));
    const char *stop = amp ? amp : it->end;
    const char *eq = memchr(it->p, '=', (size_t)(stop - it->p));
    const char *name_end = eq ? eq : stop;
    int rc = decode(it->p, name_end, f->name) < 0 || decode(eq ? eq + 1 : stop, stop, f->value) < 0
                 ? -1
                 : 1;
    it->p = stop;
    return rc;
}
