/*
 * lh_pattern.h - Lua patterns that a time limit can interrupt
 *
 * Owns: the sandbox's string.find, string.match, string.gmatch and
 * string.gsub. They implement the pattern language of the Lua 5.4 manual
 * (section 6.4.1) with the same results and error messages as the stock
 * library, plus two things the stock one cannot offer: subject and pattern
 * size caps, and a poll of an interrupt flag every few thousand matching
 * steps. A count hook never fires inside a C function, and a backtracking
 * pattern like ".-.-.-b" runs for hours on a modest subject; this matcher
 * stops at the caller's deadline instead. Plain finds (the `plain` flag or
 * a pattern without magic characters) use memmem(3), linear, uncapped.
 *
 * Depends on: Lua 5.4 C API and libc only, so tests can register it in a
 * plain lua_State and compare it with the stock functions.
 */
#ifndef TERN_LH_PATTERN_H
#define TERN_LH_PATTERN_H

#include <stdatomic.h>
#include <stddef.h>

#include <lua.h>

struct lh_patctx {
    size_t subject_max;        /* 0: no cap */
    size_t pattern_max;        /* 0: no cap */
    const atomic_int *fired;   /* non-zero: stop with "time limit exceeded"; NULL: never */
    const unsigned *budget_ms; /* for the message; may be NULL */
};

/*
 * Set find, match, gmatch and gsub in the table on top of the stack. `ctx`
 * must outlive the state (the functions keep a pointer to it).
 */
void lh_pattern_register(lua_State *L, struct lh_patctx *ctx);

#endif
