/*
 * cmd_migrate.c - `tern migrate`: bring the schema up to date
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "db.h"
#include "schema.h"

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
    int created = after < 0 ? 0 : schema_ensure_partitions(conn, true, err, sizeof err);
    if (created < 0) after = -1;
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
