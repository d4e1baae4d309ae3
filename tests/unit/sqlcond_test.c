/*
 * sqlcond_test.c - which segment conditions stay inside their parentheses
 */
#include <string.h>

#include "sqlcond.h"
#include "tap.h"

static const char *
problem(const char *sql)
{
    static char why[128];
    return sqlcond_problem(sql, strlen(sql), why, sizeof why);
}

static void
accepts_ordinary_conditions(void)
{
    ok(!problem("(attributes->>'score')::int >= 50"), "a cast comparison on an attribute");
    ok(!problem("status = 'subscribed' AND attributes ? 'orders'"), "a status and a key test");
    ok(!problem("attributes->>'name' = 'it''s (odd'"), "a ( and a doubled quote inside a string");
    ok(!problem("attributes->>'x' = E'a\\'; --'"), "an escaped quote, ; and -- in an E string");
    ok(!problem("\"attributes\"->>'a;b' = $$x); --$$"), "a quoted identifier and a $$ string");
    ok(!problem("attributes->>'a' = $t$it's$t$"), "a tagged dollar string");
}

static void
refuses_a_second_statement(void)
{
    like(problem("true; DELETE FROM contacts"), "';'", "a ';' outside strings");
}

static void
refuses_comments(void)
{
    like(problem("true --"), "comment", "a line comment");
    like(problem("true /* x */"), "comment", "a block comment");
}

static void
refuses_unbalanced_parentheses(void)
{
    like(problem("true) UNION SELECT id FROM contacts WHERE (true"), "without its '('",
         "a ')' that closes the WHERE clause");
    like(problem("(true"), "without its ')'", "an unclosed '('");
}

static void
refuses_unterminated_literals_and_parameters(void)
{
    like(problem("email = 'a"), "unterminated string", "an open string");
    like(problem("\"email = 1"), "unterminated quoted", "an open quoted identifier");
    like(problem("email = $q$a"), "unterminated dollar", "an open dollar string");
    like(problem("id = $1"), "parameter", "a parameter reference");
    like(problem(""), "empty", "an empty condition");
}

/* Each hides a ')' or a ';' from a scanner that misreads where a token ends; PostgreSQL sees
 * it. */
static void
tokens_end_where_postgresql_ends_them(void)
{
    like(problem("EXISTS (SELECT 1 FROM (SELECT 1 AS c) x$$y$ ) ) OR ( true OR (SELECT true"
                 " FROM (SELECT 1) x$y$ )"),
         "without its '('", "tokens_end_where_postgresql_ends_them: '$' inside an identifier");
    like(problem("x$E'\\' ) OR (true OR '' = '"), "without its '('",
         "tokens_end_where_postgresql_ends_them: an identifier ending in E before a quote");
    like(problem("1E'\\' ' ) OR (true OR '' = '"), "without its '('",
         "tokens_end_where_postgresql_ends_them: a number gives its E back to an escape string");
    like(problem("1$a$ ' $a$ ; '"), "';'",
         "tokens_end_where_postgresql_ends_them: a dollar string right after a number");
    ok(!problem("attributes->>'n' = 1e5 AND x$1 = e'it\\'s'"),
       "tokens_end_where_postgresql_ends_them: exponents, '$' in names and e'' still pass");
}

int
main(void)
{
    tokens_end_where_postgresql_ends_them();
    accepts_ordinary_conditions();
    refuses_a_second_statement();
    refuses_comments();
    refuses_unbalanced_parentheses();
    refuses_unterminated_literals_and_parameters();
    return tap_done();
}
