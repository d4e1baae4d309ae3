/*
 * lh_db_test.c - db.query from scripts against a real PostgreSQL
 *
 * Run by lh_db.t, which starts a private cluster with the schema migrated,
 * seeds three contacts and exports TERN_DB_URL. The scripts are in
 * tests/lua/db/probe.lua.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "lua/lh.h"
#include "tap.h"
#include "unit/lh_probe.h"

static char err[4096];
static struct db_pool *dbp;

static struct lh_pool *
lua_pool(const struct lh_services *svc, unsigned call_ms)
{
    return probe_pool("db", svc, call_ms);
}

static struct lh_pool *serving;

static const char *
probe(const char *func)
{
    return probe_call(serving, func, NULL);
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
rows_come_back_as_tables_keyed_by_column(void)
{
    is_str(probe_call(serving, "contacts", "default"),
           "[{\"email\":\"ann@example.com\"},{\"email\":\"bob@example.com\"}]",
           "a parameterized select returns one table per row");
    is_str(probe_call(serving, "contacts", "nobody"), "{}", "no rows is an empty table");
}

static void
column_types_become_lua_types(void)
{
    is_str(probe("types"),
           "[{\"d\":\"2026-01-02\",\"f8\":1.5,\"i2\":1,\"i4\":2,\"i8\":9223372036854775807,"
           "\"j\":[1,2],\"jb\":{\"k\":[1,null]},\"no\":false,\"num\":2.25,\"t\":\"x\","
           "\"yes\":true}]",
           "integers, numbers, booleans, json tables, other types as text");
    is_str(probe("integer_type"), "integer float", "int8 is a Lua integer, float8 a float");
}

static void
sql_null_leaves_the_key_out(void)
{
    is_str(probe("null_column"), "nil 1", "a NULL column is absent from the row");
}

static void
parameters_of_every_allowed_type_bind(void)
{
    is_str(probe("params"),
           "[{\"b\":true,\"f\":0.5,\"isnull\":true,\"n\":9223372036854775807,\"s\":\"Zoë\"}]",
           "integer, float, boolean, nil and string parameters");
}

static void
misuse_raises(void)
{
    like(probe("table_param"), "db.query: argument #2 ($1): a table cannot be a parameter",
         "a table parameter raises");
    like(probe("function_param"), "a function cannot be a parameter", "a function raises");
    like(probe("sql_not_string"), "db.query: the SQL must be a string, got number",
         "SQL that is not a string raises");
    like(probe("sql_empty"), "db.query: the SQL is empty", "blank SQL raises");
    like(probe("sql_nul"), "db.query: the SQL contains a NUL byte", "SQL with a NUL raises");
    like(probe("string_param_nul"), "argument #2 ($1) contains a NUL byte",
         "a parameter with a NUL raises");
    like(probe("too_many_params"), "1001 parameters is over the limit of 1000",
         "more than 1000 parameters raise");
}

static void
writes_fail_in_the_read_only_transaction(void)
{
    like(probe("insert"), "nil, db.query: ERROR:  cannot execute INSERT in a read-only transaction",
         "INSERT fails");
    like(probe("update"), "cannot execute UPDATE in a read-only transaction", "UPDATE fails");
    like(probe("lock"), "read-only transaction", "SELECT ... FOR UPDATE fails");
}

static void
only_one_statement_per_call(void)
{
    like(probe("two_statements"), "nil, db.query: ERROR:  cannot insert multiple commands",
         "two statements are refused by the server");
    like(probe_call(serving, "contacts", "default"), "bob@example.com", "and nothing was deleted");
}

static void
sql_errors_are_one_line(void)
{
    const char *r = probe("syntax");
    like(r, "nil, db.query: ERROR:  syntax error at or near \"SELEC\"", "the server's message");
    ok(strchr(r, '\n') == NULL, "on one line");
}

static void
statement_timeout_bounds_a_query(void)
{
    struct lh_services svc = {.db = dbp, .db_timeout_ms = 200};
    struct lh_pool *p = lua_pool(&svc, 0);
    double t0 = now_s();
    like(probe_call(p, "sleep", "5"),
         "nil, db.query: ERROR:  canceling statement due to statement timeout",
         "a query over the statement timeout returns nil, err");
    ok(now_s() - t0 < 2.0, "after the timeout, not the sleep (%.2f s)", now_s() - t0);
    lh_pool_free(p);
}

static void
remaining_call_budget_caps_the_timeout(void)
{
    struct lh_services svc = {.db = dbp, .db_timeout_ms = 10000};
    struct lh_pool *p = lua_pool(&svc, 300);
    double t0 = now_s();
    const char *r = probe_call(p, "sleep", "5");
    if (!ok(strstr(r, "canceling statement due to statement timeout") ||
                strstr(r, "time limit exceeded (300 ms)"),
            "a query may not outlive the call's time budget"))
        diag("  got %s", r);
    ok(now_s() - t0 < 1.5, "the call ended near its 300 ms budget (%.2f s)", now_s() - t0);
    lh_pool_free(p);
}

/* The budget counts the call's CPU time and the time its queries wait: three queries of 150 ms
 * use a 300 ms budget up by the third, whose statement timeout is what is left of it. */
static void
query_time_counts_toward_the_budget(void)
{
    struct lh_services svc = {.db = dbp, .db_timeout_ms = 10000};
    struct lh_pool *p = lua_pool(&svc, 300);
    double t0 = now_s();
    const char *r = probe_call(p, "sleep_thrice", "0.15");
    if (!ok(strstr(r, "canceling statement due to statement timeout") ||
                strstr(r, "time limit exceeded (300 ms)"),
            "waiting for PostgreSQL counts toward the call's budget"))
        diag("  got %s", r);
    ok(now_s() - t0 < 1.0, "the calls ended near the 300 ms budget (%.2f s)", now_s() - t0);
    lh_pool_free(p);
}

static void
row_count_is_capped(void)
{
    like(probe("many_rows"), "nil, db.query: more than 10000 rows (add a LIMIT)",
         "10001 rows are refused");
    is_str(probe("enough_rows"), "10000", "10000 rows are fine, on the same connection");
}

static void
json_deeper_than_the_cap_is_an_error(void)
{
    like(probe("deep_json"), "nil, db.query: column deep: JSON nested deeper than 64 levels",
         "a jsonb value nested 65 deep returns nil, err");
}

static void
a_lost_connection_is_an_error_then_recovers(void)
{
    like(probe("kill_backend"), "nil, db.query: ", "a terminated backend returns nil, err");
    like(probe_call(serving, "contacts", "default"), "ann@example.com",
         "the next query reconnects");
}

static void
statements_cannot_change_the_pooled_session(void)
{
    is_str(probe("session_unchanged"), "[{\"app\":\"lh_db_test\",\"path\":\"tern, public\"}]",
           "SET and set_config inside a query are rolled back");
    is_str(probe("advisory_lock_released"), "[{\"held\":0}]",
           "a session advisory lock does not outlive its query");
    like(probe("commit_then_query"), "[{\"one\":1}]", "a COMMIT statement harms nothing");
    is_str(probe("command_without_rows"), "{}", "a statement without rows returns {}");
}

static void
without_a_database_query_returns_nil(void)
{
    struct lh_pool *p = lua_pool(NULL, 0);
    is_str(probe_call(p, "contacts", "default"), "nil, db.query: no database in this context",
           "no services: nil and the reason");
    like(probe_call(p, "table_param", NULL), "a table cannot be a parameter",
         "misuse still raises");
    lh_pool_free(p);
}

static void
a_memory_error_while_pushing_rows_gives_the_connection_back(void)
{
    struct lh_services svc = {.db = dbp};
    struct lh_pool *small = probe_pool_mem("db", &svc, 2u << 20);
    for (int i = 0; i < 3; i++) /* more than the two pooled connections */
        like(probe_call(small, "count_rows", "20000"), "memory limit exceeded",
             "rows over the memory limit fail");
    is_str(probe_call(small, "count_rows", "3"), "3", "and the connections are back in the pool");
    lh_pool_free(small);
}

int
main(void)
{
    const char *url = getenv("TERN_DB_URL");
    struct db_settings s = {.url = url, .app_name = "lh_db_test", .statement_timeout_ms = 30000};
    if (!url || !(dbp = db_pool_new(&s, 2, err, sizeof err))) {
        printf("Bail out! %s\n", url ? err : "TERN_DB_URL is not set");
        return 1;
    }
    struct lh_services svc = {.db = dbp};
    serving = lua_pool(&svc, 0);
    rows_come_back_as_tables_keyed_by_column();
    column_types_become_lua_types();
    sql_null_leaves_the_key_out();
    parameters_of_every_allowed_type_bind();
    misuse_raises();
    writes_fail_in_the_read_only_transaction();
    only_one_statement_per_call();
    sql_errors_are_one_line();
    statement_timeout_bounds_a_query();
    remaining_call_budget_caps_the_timeout();
    query_time_counts_toward_the_budget();
    row_count_is_capped();
    json_deeper_than_the_cap_is_an_error();
    a_lost_connection_is_an_error_then_recovers();
    statements_cannot_change_the_pooled_session();
    without_a_database_query_returns_nil();
    a_memory_error_while_pushing_rows_gives_the_connection_back();
    lh_pool_free(serving);
    db_pool_free(dbp);
    return tap_done();
}
