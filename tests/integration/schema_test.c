/*
 * schema_test.c - migration runner against a real PostgreSQL
 *
 * Run by schema.t, which starts a private cluster and exports TERN_DB_URL.
 * Uses its own migration lists, so it can make one fail on purpose.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "schema.h"
#include "tap.h"

static PGconn *conn;

static int
table_exists(const char *name)
{
    const char *params[] = {name};
    PGresult *res =
        PQexecParams(conn, "SELECT to_regclass($1) IS NOT NULL", 1, NULL, params, NULL, NULL, 0);
    int yes = PQresultStatus(res) == PGRES_TUPLES_OK && !strcmp(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
    return yes;
}

static const struct schema_migration good[] = {
    {1, "0001_first", "CREATE TABLE t_first (id int);\n"},
    {2, "0002_second", "CREATE TABLE t_second (id int);\nINSERT INTO t_second VALUES (1);\n"},
};

static const struct schema_migration broken[] = {
    {1, "0001_first", "CREATE TABLE t_first (id int);\n"},
    {2, "0002_second", "CREATE TABLE t_second (id int);\n-- comment\nSELECT 1/0;\n"},
};

static const struct schema_migration misspelled[] = {
    {1, "0001_first", "CREATE TABLE t_first (id int);\n"},
    {2, "0002_second", "CREATE TABLE t_second (id int);\n-- comment\nSELEC 1;\n"},
};

static void
failed_migration_leaves_previous_version(void)
{
    char err[1024] = "";
    struct buf log = BUF_INIT;
    int v = schema_migrate(conn, broken, 2, &log, err, sizeof err);
    is_int(v, -1, "a failing migration makes the run fail");
    like(err, "migration 0002_second failed: ERROR:  division by zero",
         "the error names the migration and the cause");
    like(err, "(schema stays at version 1)", "the error says where the schema stays");
    is_int(schema_version(conn, err, sizeof err), 1, "the schema is at the previous version");
    ok(!table_exists("t_second"), "nothing of the failed migration remains");
    ok(table_exists("t_first"), "the migration before it is kept");
    like(buf_str(&log), "applied 0001_first", "the log lists what was applied");
    buf_free(&log);
}

static void
syntax_error_names_the_line(void)
{
    char err[1024] = "";
    struct buf log = BUF_INIT;
    is_int(schema_migrate(conn, misspelled, 2, &log, err, sizeof err), -1,
           "a migration with a syntax error fails");
    like(err, "migration 0002_second failed at line 3: ERROR:  syntax error at or near \"SELEC\"",
         "a syntax error is reported with its line in the migration");
    ok(!table_exists("t_second"), "nothing of the misspelled migration remains");
    buf_free(&log);
}

static void
fixed_migration_applies_on_the_next_run(void)
{
    char err[1024] = "";
    struct buf log = BUF_INIT;
    int v = schema_migrate(conn, good, 2, &log, err, sizeof err);
    is_int(v, 2, "after the fix the run reaches the last version");
    if (v < 0) diag("%s", err);
    is_str(buf_str(&log), "applied 0002_second\n", "only the missing migration is applied");
    ok(table_exists("t_second"), "the fixed migration's table exists");
    buf_free(&log);
}

static void
fresh_database_is_version_zero(void)
{
    char err[256];
    PQclear(PQexec(conn, "DROP SCHEMA IF EXISTS tern CASCADE"));
    is_int(schema_version(conn, err, sizeof err), 0, "a database never migrated is at version 0");
}

int
main(void)
{
    char err[1024];
    struct db_settings s = {.url = getenv("TERN_DB_URL"), .app_name = "schema_test"};
    if (!s.url || !(conn = db_connect(&s, err, sizeof err))) {
        printf("Bail out! cannot connect: %s\n", s.url ? err : "TERN_DB_URL is not set");
        return 1;
    }
    fresh_database_is_version_zero();
    failed_migration_leaves_previous_version();
    syntax_error_names_the_line();
    fixed_migration_applies_on_the_next_run();
    PQfinish(conn);
    return tap_done();
}
