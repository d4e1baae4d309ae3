/*
 * cmd_segment.c - `tern segment refresh [NAME...]` and `tern segment list [--json]`
 *
 * refresh loads the scripts under engine.scripts as tern engine does and
 * runs a full refresh (engine/en_seg.h) of every segment, or of those
 * named, one after another on one connection. list reads the `segments`
 * table: what the engines (and this command) have refreshed.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "db.h"
#include "engine/en_seg.h"
#include "lua/lh.h"
#include "lua/lh_reg.h"

static const struct lh_segment_info *
find_segment(const struct lh_reg *reg, const char *name)
{
    for (size_t i = 0; i < reg->nsegments; i++)
        if (strcmp(reg->segments[i].name, name) == 0) return &reg->segments[i];
    return NULL;
}

/* One segment: its line on stdout, or its error on stderr. The exit status it earns. */
static int
refresh_one(PGconn *conn, struct lh_state *st, const struct lh_segment_info *seg)
{
    char err[1024];
    struct en_seg_stats s;
    int rc = en_seg_refresh(conn, st, seg, EN_SEG_FULL, &s, err, sizeof err);
    if (rc < 0) {
        cli_error("segment", "%s", err);
        return EXIT_FAIL;
    }
    if (rc == 1) {
        printf("%s: skipped, another process is refreshing it\n", seg->name);
        return EXIT_PARTIAL;
    }
    printf("%s: %" PRId64 " entered, %" PRId64 " left, %" PRId64 " members", seg->name, s.entered,
           s.left, s.members);
    if (s.evaluated >= 0) printf(" (%" PRId64 " contacts evaluated)", s.evaluated);
    putchar('\n');
    return EXIT_OK;
}

static int
refresh_named(PGconn *conn, struct lh_state *st, const struct lh_reg *reg, char **names, int n,
              const char *root)
{
    int rc = EXIT_OK;
    for (int i = 0; i < n; i++)
        if (!find_segment(reg, names[i])) {
            cli_error("segment", "no segment \"%s\" in %s", names[i], root);
            rc = EXIT_FAIL;
        }
    if (rc == EXIT_FAIL) return rc; /* a name that is not there: nothing refreshed */
    for (size_t i = 0; i < reg->nsegments; i++) { /* one that fails does not stop the others */
        bool wanted = n == 0;
        for (int k = 0; k < n && !wanted; k++)
            wanted = strcmp(names[k], reg->segments[i].name) == 0;
        int one = wanted ? refresh_one(conn, st, &reg->segments[i]) : EXIT_OK;
        if (one == EXIT_FAIL || (one == EXIT_PARTIAL && rc == EXIT_OK)) rc = one;
    }
    return rc;
}

static int
refresh(const struct config *cfg, char **names, int n)
{
    char err[2048];
    struct db_settings qdb = {cfg->database.url, "tern segment db.query",
                              cfg->database.statement_timeout_ms, cfg->database.connect_timeout_ms};
    struct db_pool *dbp = db_pool_new(&qdb, 1, err, sizeof err);
    struct lh_pool *pool = dbp ? cli_engine_scripts(cfg, dbp, err, sizeof err) : NULL;
    PGconn *conn = pool ? cli_connect(cfg, "tern segment") : NULL;
    struct lh_state *st = conn ? lh_lease(pool, err, sizeof err) : NULL;
    struct lh_reg *reg = NULL;
    int rc = EXIT_FAIL;
    if (st && lh_reg_get(st, &reg, err, sizeof err) == 0)
        rc = refresh_named(conn, st, reg, names, n, cfg->engine.scripts);
    else if (!conn && pool)
        err[0] = '\0'; /* cli_connect said why */
    if (rc == EXIT_FAIL && !reg && err[0]) cli_error("segment", "%s", err);
    lh_reg_free(reg);
    if (st) lh_release(st);
    PQfinish(conn);
    if (pool) lh_pool_free(pool);
    if (dbp) db_pool_free(dbp);
    return rc;
}

/*
 * ---------------------------------------------------------------
 * list
 * ---------------------------------------------------------------
 */

enum { L_NAME, L_KIND, L_TENANT, L_MEMBERS, L_REFRESHED, L_CHECKED, L_ERROR };

#define UTC_TEXT(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const char list_sql[] = "SELECT name, kind, tenant, member_count, " UTC_TEXT(
    "refreshed_at") ", " UTC_TEXT("checked_at") ", last_error FROM segments ORDER BY name";

static json_t *
text_or_null(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? json_null() : json_string(PQgetvalue(r, row, col));
}

static void
print_json(const PGresult *r)
{
    json_t *all = json_array();
    for (int i = 0; all && i < PQntuples(r); i++)
        json_array_append_new(
            all, json_pack("{s:s, s:s, s:o, s:I, s:o, s:o, s:o}", "name", PQgetvalue(r, i, L_NAME),
                           "kind", PQgetvalue(r, i, L_KIND), "tenant", text_or_null(r, i, L_TENANT),
                           "members", (json_int_t)strtoll(PQgetvalue(r, i, L_MEMBERS), NULL, 10),
                           "refreshed_at", text_or_null(r, i, L_REFRESHED), "checked_at",
                           text_or_null(r, i, L_CHECKED), "error", text_or_null(r, i, L_ERROR)));
    char *text = all ? json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (text) puts(text);
    free(text);
    json_decref(all);
}

static void
print_table(const PGresult *r)
{
    if (PQntuples(r) == 0) {
        printf("no segment has been refreshed yet\n");
        return;
    }
    printf("%-24s %-4s %-10s %10s  %s\n", "name", "kind", "tenant", "members", "refreshed_at");
    for (int i = 0; i < PQntuples(r); i++) {
        const char *tenant = PQgetisnull(r, i, L_TENANT) ? "(all)" : PQgetvalue(r, i, L_TENANT);
        const char *at = PQgetisnull(r, i, L_REFRESHED) ? "never" : PQgetvalue(r, i, L_REFRESHED);
        printf("%-24s %-4s %-10s %10s  %s\n", PQgetvalue(r, i, L_NAME), PQgetvalue(r, i, L_KIND),
               tenant, PQgetvalue(r, i, L_MEMBERS), at);
        if (!PQgetisnull(r, i, L_ERROR)) printf("  error: %s\n", PQgetvalue(r, i, L_ERROR));
    }
}

static int
list(const struct config *cfg, bool json)
{
    PGconn *conn = cli_connect(cfg, "tern segment");
    if (!conn) return EXIT_FAIL;
    PGresult *r = PQexec(conn, list_sql);
    int rc = EXIT_OK;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        char why[512];
        cli_error("segment", "%s", db_error(conn, r, why, sizeof why));
        rc = EXIT_FAIL;
    } else if (json) {
        print_json(r);
    } else {
        print_table(r);
    }
    PQclear(r);
    PQfinish(conn);
    return rc;
}

int
cmd_segment(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {0}};
    bool json = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'j') return cli_usage(cli_command("segment"), true), EXIT_USAGE;
        json = true;
    }
    const char *verb = optind < argc ? argv[optind++] : "";
    bool is_list = strcmp(verb, "list") == 0, is_refresh = strcmp(verb, "refresh") == 0;
    if ((!is_list && !is_refresh) || (is_list && optind != argc) || (is_refresh && json))
        return cli_usage(cli_command("segment"), true), EXIT_USAGE;
    struct config *cfg = cli_config(cli);
    if (!cfg) return EXIT_FAIL;
    int rc = is_list ? list(cfg, json) : refresh(cfg, argv + optind, argc - optind);
    config_unref(cfg);
    return rc;
}
