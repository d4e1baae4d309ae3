/*
 * sqlcond.h - an SQL condition a script gives: one balanced expression
 *
 * Owns: the lexical check that a segment's `sql` (doc/tern-lua.md) is a
 * condition that stays inside the parentheses it is put in:
 *
 *     SELECT ... FROM contacts WHERE ... AND (<condition>)
 *
 * Outside string literals ('...', E'...', $tag$...$tag$) and quoted
 * identifiers ("..."), a condition may not hold ';' (a second statement),
 * comments ("--", which would swallow the closing parenthesis, and block
 * comments), a ')' without its '(' or a '(' without its ')' (either could
 * close the WHERE clause and append a UNION or another clause), or a
 * parameter reference ($1: the caller's parameters are not the script's).
 * What the expression may *do* is not decided here: callers evaluate it
 * in a READ ONLY transaction with a statement timeout.
 *
 * Depends on: libc.
 */
#ifndef TERN_SQLCOND_H
#define TERN_SQLCOND_H

#include <stddef.h>

#define SQLCOND_MAX 16384 /* bytes of a condition */

/*
 * NULL when the `len` bytes at `sql` are an acceptable condition, else the
 * reason, written to `why`: "';' at byte 12: a condition is one expression".
 */
const char *sqlcond_problem(const char *sql, size_t len, char *why, size_t whylen);

#endif
