/*
 * sqlcond.c - the lexical check of a script's SQL condition (see sqlcond.h)
 *
 * A small scanner over PostgreSQL's lexical rules (standard-conforming
 * strings): it only needs to know where literals and quoted identifiers
 * begin and end, so it can see the ';', comments, parentheses and
 * parameters outside them. Identifiers and numbers are taken whole, as
 * PostgreSQL 15's lexer takes them, because what follows them depends on
 * it: a '$' inside an identifier (x$$y$) is part of it, while after a number
 * (1$a$) it opens a dollar-quoted string; an E right before a quote makes
 * an escape string only as a token of its own (E'..', and 1E'..', where
 * the number gives the E back), not at the end of an identifier (xE'..').
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

static bool
ident_start(char c)
{
    return isalpha((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static bool
is_digit(const struct scan *sc, size_t i)
{
    return i < sc->len && isdigit((unsigned char)sc->s[i]);
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

/* The literal or quoted identifier at sc->i; `escapes`: an E'' string. */
static const char *
literal(struct scan *sc, bool escapes)
{
    size_t at = sc->i;
    char c = sc->s[at];
    if (c == '\'' && !skip_quoted(sc, '\'', escapes))
        return fail(sc, at, "unterminated string literal");
    if (c == '"' && !skip_quoted(sc, '"', false))
        return fail(sc, at, "unterminated quoted identifier");
    return NULL;
}

/* An identifier or key word at sc->i ('$' may follow its first character); a lone E or e
 * right before a quote opens an escape string instead. */
static const char *
identifier(struct scan *sc)
{
    size_t at = sc->i, i = at + 1;
    while (i < sc->len && (ident_char(sc->s[i]) || sc->s[i] == '$'))
        i++;
    sc->i = i;
    bool e = i == at + 1 && (sc->s[at] == 'E' || sc->s[at] == 'e');
    return e && i < sc->len && sc->s[i] == '\'' ? literal(sc, true) : NULL;
}

/* A number at sc->i: digits, a fraction, an exponent when digits follow its E (else the E
 * starts the next token, as in PostgreSQL 15). */
static void
number(struct scan *sc)
{
    size_t i = sc->i;
    while (is_digit(sc, i))
        i++;
    if (i < sc->len && sc->s[i] == '.' && !(i + 1 < sc->len && sc->s[i + 1] == '.'))
        for (i++; is_digit(sc, i);)
            i++;
    if (i < sc->len && (sc->s[i] == 'E' || sc->s[i] == 'e')) {
        size_t d = i + 1 + (i + 1 < sc->len && (sc->s[i + 1] == '+' || sc->s[i + 1] == '-'));
        if (is_digit(sc, d))
            for (i = d; is_digit(sc, i);)
                i++;
    }
    sc->i = i;
}

static const char *
dollar(struct scan *sc)
{
    size_t at = sc->i, tag = dollar_tag(sc);
    if (at + 1 < sc->len && isdigit((unsigned char)sc->s[at + 1]))
        return fail(sc, at, "a parameter ($1) is not available in a condition");
    if (tag == 0) { /* a lone '$': no token PostgreSQL knows, and nothing it hides */
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
    if (c == '\'' || c == '"') return literal(sc, false);
    if (ident_start(c)) return identifier(sc);
    if (isdigit((unsigned char)c) || (c == '.' && is_digit(sc, at + 1))) return number(sc), NULL;
    if (c == '$') return dollar(sc);
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
