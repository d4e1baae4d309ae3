/*
 * cmd_migrate.c - `tern migrate`: bring the schema up to date
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "db.h"
#include "schema.h"

/* Keep this month's and the next three months' event partitions ready. */
static bool
ensure_partitions(PGconn *conn, int *created, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, "SELECT tern.ensure_event_partitions()");
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    if (ok)
        *created = atoi(PQgetvalue(res, 0, 0));
    else
        db_error(conn, res, err, errlen);
    PQclear(res);
    return ok;
}

int
cmd_migrate(struct cli *cli, int argc, char **argv)
{
    if (argc > 1) {
        cli_usage(cli_command("migrate"), true);
        return EXIT_USAGE;
    }
    struct config *cfg = cli_config(cli);
    if (!cfg) return EXIT_FAIL;
    PGconn *conn = cli_connect(cfg, "tern migrate");
    config_unref(cfg);
    if (!conn) return EXIT_FAIL;

    char err[1024];
    struct buf log = BUF_INIT;
    int before = schema_version(conn, err, sizeof err);
    int after = before < 0 ? -1
                           : schema_migrate(conn, schema_migrations, schema_nmigrations, &log, err,
                                            sizeof err);
    fputs(buf_str(&log), stdout);
    buf_free(&log);
    int created = 0;
    if (after >= 0 && !ensure_partitions(conn, &created, err, sizeof err)) after = -1;
    PQfinish(conn);
    if (after < 0) {
        cli_error("migrate", "%s", err);
        return EXIT_FAIL;
    }
    if (created) printf("created %d event partition%s\n", created, created == 1 ? "" : "s");
    if (after == before)
        printf("schema is up to date at version %d\n", after);
    else
        printf("schema upgraded from version %d to %d\n", before, after);
    return EXIT_OK;
}
