/*
 * tap.h - the Test Anything Protocol for C unit tests
 *
 * Each test program prints "ok N - name" / "not ok N - name" lines and a
 * plan at the end; automake's TAP driver (or prove) reads them. A test
 * function asserts one behaviour and is named after it:
 *
 *     static void rejects_unknown_key(void) { ... ok(cond, "..."); }
 *     int main(void) { rejects_unknown_key(); return tap_done(); }
 *
 * Header-only on purpose: every test binary gets its own counters.
 */
#ifndef TERN_TAP_H
#define TERN_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3))) static int
tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!cond) tap_failed++;
    fflush(stdout);
    return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

/* Diagnostics go to stdout prefixed with '#', as TAP wants. */
#define diag(...)                                                                                  \
    do {                                                                                           \
        printf("# ");                                                                              \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
    } while (0)

#define is_int(got, want, name)                                                                    \
    do {                                                                                           \
        long long g_ = (long long)(got), w_ = (long long)(want);                                   \
        if (!ok(g_ == w_, "%s", name)) diag("  got %lld, want %lld", g_, w_);                      \
    } while (0)

#define is_str(got, want, name)                                                                    \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        int same_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;                                   \
        if (!ok(same_, "%s", name))                                                                \
            diag("  got \"%s\"\n#  want \"%s\"", g_ ? g_ : "(null)", w_ ? w_ : "(null)");          \
    } while (0)

/* Passes when `hay` contains `needle`. */
#define like(hay, needle, name)                                                                    \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        if (!ok(h_ && strstr(h_, n_), "%s", name))                                                 \
            diag("  \"%s\"\n#  does not contain \"%s\"", h_ ? h_ : "(null)", n_);                  \
    } while (0)

static inline int
tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif
