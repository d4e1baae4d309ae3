/*
 * cmd_apikey.c - `tern apikey`: keys of the events API
 *
 *     tern apikey create --name NAME [--tenant TENANT]   prints the key, once
 *     tern apikey list                                    id, name, tenant, state
 *     tern apikey revoke ID
 *
 * Only the SHA-256 of a key's secret is stored (track/apikey.h); a lost
 * key cannot be shown again, only revoked and replaced. Running trackers
 * pick up new and revoked keys within a few seconds.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "apikey.h"
#include "cli.h"
#include "db.h"

static int
create(PGconn *conn, const char *name, const char *tenant)
{
    char text[APIKEY_TEXT_MAX], err[512];
    struct apikey k;
    if (!apikey_generate(text, &k)) {
        cli_error("apikey", "no randomness available");
        return EXIT_FAIL;
    }
    const char *params[] = {k.id, name, tenant, (const char *)k.hash};
    const int lengths[] = {0, 0, 0, APIKEY_HASH_LEN}, formats[] = {0, 0, 0, 1};
    PGresult *res = PQexecParams(conn,
                                 "INSERT INTO tern.api_keys (id, name, tenant, secret_hash)"
                                 " VALUES ($1, $2, $3, $4)",
                                 4, NULL, params, lengths, formats, 0);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? EXIT_OK : EXIT_FAIL;
    if (rc == EXIT_OK)
        printf("%s\n", text);
    else
        cli_error("apikey", "%s", db_error(conn, res, err, sizeof err));
    PQclear(res);
    return rc;
}

static int
list(PGconn *conn)
{
    char err[512];
    PGresult *res = PQexec(conn, "SELECT id, tenant, CASE WHEN revoked_at IS NULL THEN 'active'"
                                 " ELSE 'revoked' END, to_char(created_at, 'YYYY-MM-DD'), name"
                                 " FROM tern.api_keys ORDER BY created_at, id");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        cli_error("apikey", "%s", db_error(conn, res, err, sizeof err));
        PQclear(res);
        return EXIT_FAIL;
    }
    for (int i = 0; i < PQntuples(res); i++)
        printf("%s  %-12s %-8s %s  %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
               PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
    PQclear(res);
    return EXIT_OK;
}

static int
revoke(PGconn *conn, const char *id)
{
    char err[512];
    const char *params[] = {id};
    PGresult *res = PQexecParams(conn,
                                 "UPDATE tern.api_keys SET revoked_at = coalesce(revoked_at, now())"
                                 " WHERE id = $1",
                                 1, NULL, params, NULL, NULL, 0);
    int rc = EXIT_FAIL;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        cli_error("apikey", "%s", db_error(conn, res, err, sizeof err));
    else if (strcmp(PQcmdTuples(res), "0") == 0)
        cli_error("apikey", "no key with id \"%s\"", id);
    else
        rc = EXIT_OK;
    PQclear(res);
    return rc;
}

struct apikey_args {
    const char *what, *name, *tenant, *id;
};

static int
parse_args(int argc, char **argv, struct apikey_args *a)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'}, {"tenant", required_argument, NULL, 't'}, {0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'n')
            a->name = optarg;
        else if (c == 't')
            a->tenant = optarg;
        else
            return -1;
    }
    if (optind < argc) a->what = argv[optind++];
    if (optind < argc) a->id = argv[optind++];
    if (!a->what || optind != argc) return -1;
    if (strcmp(a->what, "create") == 0) return a->name && !a->id ? 0 : -1;
    if (strcmp(a->what, "list") == 0) return a->id || a->name ? -1 : 0;
    if (strcmp(a->what, "revoke") == 0) return a->id ? 0 : -1;
    return -1;
}

int
cmd_apikey(struct cli *cli, int argc, char **argv)
{
    struct apikey_args a = {.tenant = "default"};
    if (parse_args(argc, argv, &a) < 0) {
        cli_usage(cli_command("apikey"), true);
        return EXIT_USAGE;
    }
    struct config *cfg = cli_config(cli);
    if (!cfg) return EXIT_FAIL;
    PGconn *conn = cli_connect(cfg, "tern apikey");
    config_unref(cfg);
    if (!conn) return EXIT_FAIL;
    int rc = a.what[0] == 'c'   ? create(conn, a.name, a.tenant)
             : a.what[0] == 'l' ? list(conn)
                                : revoke(conn, a.id);
    PQfinish(conn);
    return rc;
}
