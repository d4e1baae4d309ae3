/*
 * sqlcond.c - the lexical check of a script's SQL condition (see sqlcond.h)
 *
 * A small scanner over PostgreSQL's lexical rules (standard-conforming
 * strings): it only needs to know where literals and quoted identifiers
 * begin and end, so it can see the ';', comments, parentheses and
 * parameters outside them.
 */
#include "sqlcond.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct scan {
    const char *s;
    size_t len, i;
    int depth;
    char *why;
    size_t whylen;
};

static const char *
fail(struct scan *sc, size_t at, const char *what)
{
    snprintf(sc->why, sc->whylen, "%s at byte %zu", what, at + 1);
    return sc->why;
}

static bool
ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

/* Past a quoted run starting at sc->i (the opening quote); `backslash`: E'' escapes. */
static bool
skip_quoted(struct scan *sc, char q, bool backslash)
{
    for (size_t i = sc->i + 1; i < sc->len; i++) {
        if (backslash && sc->s[i] == '\\') {
            i++;
        } else if (sc->s[i] == q) {
            if (i + 1 < sc->len && sc->s[i + 1] == q) { /* '' or "" inside */
                i++;
                continue;
            }
            sc->i = i + 1;
            return true;
        }
    }
    return false;
}

/* The length of a dollar-quote tag "$tag$" at sc->i, or 0 when there is none. */
static size_t
dollar_tag(const struct scan *sc)
{
    size_t i = sc->i + 1;
    if (i < sc->len && isdigit((unsigned char)sc->s[i])) return 0;
    while (i < sc->len && ident_char(sc->s[i]))
        i++;
    return i < sc->len && sc->s[i] == '$' ? i - sc->i + 1 : 0;
}

static bool
skip_dollar(struct scan *sc, size_t tag)
{
    for (size_t i = sc->i + tag; i + tag <= sc->len; i++)
        if (memcmp(sc->s + i, sc->s + sc->i, tag) == 0) {
            sc->i = i + tag;
            return true;
        }
    return false;
}

/* E'...' (or e'...'): the E must start a token, not end an identifier. */
static bool
escape_string(const struct scan *sc)
{
    size_t i = sc->i;
    return i > 0 && (sc->s[i - 1] == 'E' || sc->s[i - 1] == 'e') &&
           (i == 1 || !ident_char(sc->s[i - 2]));
}

static const char *
literal(struct scan *sc)
{
    size_t at = sc->i;
    char c = sc->s[at];
    if (c == '\'' && !skip_quoted(sc, '\'', escape_string(sc)))
        return fail(sc, at, "unterminated string literal");
    if (c == '"' && !skip_quoted(sc, '"', false))
        return fail(sc, at, "unterminated quoted identifier");
    return NULL;
}

static const char *
dollar(struct scan *sc)
{
    size_t at = sc->i, tag = dollar_tag(sc);
    if (at + 1 < sc->len && isdigit((unsigned char)sc->s[at + 1]))
        return fail(sc, at, "a parameter ($1) is not available in a condition");
    if (tag == 0) { /* a '$' inside an identifier (foo$bar) */
        sc->i++;
        return NULL;
    }
    if (!skip_dollar(sc, tag)) return fail(sc, at, "unterminated dollar-quoted string");
    return NULL;
}

/* One token-ish step outside literals; NULL to go on. */
static const char *
step(struct scan *sc)
{
    size_t at = sc->i;
    char c = sc->s[at], next = at + 1 < sc->len ? sc->s[at + 1] : '\0';
    if (c == '\'' || c == '"') return literal(sc);
    if (c == '$' && (at == 0 || !ident_char(sc->s[at - 1]))) return dollar(sc);
    if (c == ';') return fail(sc, at, "';': a condition is one expression");
    if ((c == '-' && next == '-') || (c == '/' && next == '*'))
        return fail(sc, at, "a comment: a condition may not hold comments");
    if (c == '\0') return fail(sc, at, "a NUL byte");
    if (c == '(') sc->depth++;
    if (c == ')' && --sc->depth < 0) return fail(sc, at, "')' without its '('");
    sc->i++;
    return NULL;
}

const char *
sqlcond_problem(const char *sql, size_t len, char *why, size_t whylen)
{
    struct scan sc = {sql, len, 0, 0, why, whylen};
    if (len == 0) return snprintf(why, whylen, "the condition is empty"), why;
    if (len > SQLCOND_MAX)
        return snprintf(why, whylen, "the condition is longer than %d bytes", SQLCOND_MAX), why;
    while (sc.i < len) {
        const char *p = step(&sc);
        if (p) return p;
    }
    if (sc.depth > 0) return snprintf(why, whylen, "'(' without its ')'"), why;
    return NULL;
}
