/*
 * cmd_rejects.c - `tern rejects`: the spooled records the drains set aside
 *
 *     tern rejects list              id, time, kind, reason, the record's start
 *     tern rejects replay [ID...]    apply them again (all without IDs)
 *
 * A daemon's drain keeps a record PostgreSQL refused, or could not read, in
 * tern.record_rejects (lib/record.h). Once the cause is gone (a newer tern
 * that knows the kind, a constraint relaxed, the row corrected by hand),
 * replay applies each one as the drain would, alone: one that applies is
 * deleted, one refused again stays with its reason. Records are
 * idempotent, so a replay interrupted between applying and deleting
 * changes nothing the next time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "db.h"
#include "record.h"
#include "spool.h"

#define SHOWN 60 /* bytes of a record `list` shows */

static PGresult *
query(PGconn *conn, const char *sql, int n, const char *const *params, char *err, size_t errlen)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 1); /* bytea as bytes */
    if (PQresultStatus(res) == PGRES_TUPLES_OK) return res;
    db_error(conn, res, err, errlen);
    PQclear(res);
    return NULL;
}

/* The start of a record on one line: control bytes as '.', cut with "..." past SHOWN. */
static void
print_start(const char *rec, int len)
{
    for (int i = 0; i < len && i < SHOWN; i++)
        putchar((unsigned char)rec[i] < 0x20 ? '.' : rec[i]);
    if (len > SHOWN) fputs("...", stdout);
}

static int
list(PGconn *conn)
{
    char err[512];
    PGresult *res =
        query(conn,
              "SELECT id::text, to_char(rejected_at, 'YYYY-MM-DD HH24:MI:SS'),"
              " coalesce(kind, '-'), reason, record FROM tern.record_rejects ORDER BY id",
              0, NULL, err, sizeof err);
    if (!res) {
        cli_error("rejects", "%s", err);
        return EXIT_FAIL;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        printf("%s  %s  %-11s %s\n    ", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
               PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
        print_start(PQgetvalue(res, i, 4), PQgetlength(res, i, 4));
        putchar('\n');
    }
    if (PQntuples(res) == 0) printf("no records set aside\n");
    PQclear(res);
    return EXIT_OK;
}

/* Apply row `i` of `res` (id, record) alone: 1 applied and deleted, 0 refused again, -1 failed. */
static int
replay_one(PGconn *conn, PGresult *res, int i, char *err, size_t errlen)
{
    const char *id = PQgetvalue(res, i, 0);
    /* Its id as the sequence number, so that rec_apply's warnings name the row. */
    struct spool_rec rec = {strtoull(id, NULL, 10), PQgetvalue(res, i, 1),
                            (size_t)PQgetlength(res, i, 1)};
    size_t skipped = 0;
    if (rec_apply(conn, &rec, 1, &skipped, err, errlen) < 0) return -1;
    if (skipped) return 0;
    const char *p[] = {id};
    PGresult *del = PQexecParams(conn, "DELETE FROM tern.record_rejects WHERE id = $1::bigint", 1,
                                 NULL, p, NULL, NULL, 0);
    bool ok = PQresultStatus(del) == PGRES_COMMAND_OK;
    if (!ok) db_error(conn, del, err, errlen);
    PQclear(del);
    return ok ? 1 : -1;
}

static int
replay(PGconn *conn, int nids, char **ids)
{
    char err[1024];
    struct buf array = BUF_INIT; /* the ids as a bigint[] literal */
    for (int i = 0; i < nids; i++) {
        if (!*ids[i] || strspn(ids[i], "0123456789") != strlen(ids[i])) {
            cli_error("rejects", "\"%s\" is not the id of a set-aside record", ids[i]);
            buf_free(&array);
            return EXIT_USAGE;
        }
        buf_printf(&array, "%c%s", i ? ',' : '{', ids[i]);
    }
    if (nids) buf_putc(&array, '}');
    const char *p[] = {nids ? buf_str(&array) : NULL};
    PGresult *res = query(conn,
                          "SELECT id::text, record FROM tern.record_rejects"
                          " WHERE $1::bigint[] IS NULL OR id = ANY ($1::bigint[]) ORDER BY id",
                          1, p, err, sizeof err);
    buf_free(&array);
    if (!res) {
        cli_error("rejects", "%s", err);
        return EXIT_FAIL;
    }
    int applied = 0, kept = 0, rc = EXIT_OK, found = PQntuples(res);
    for (int i = 0; i < found && rc == EXIT_OK; i++) {
        int r = replay_one(conn, res, i, err, sizeof err);
        if (r < 0) {
            cli_error("rejects", "record %s: %s", PQgetvalue(res, i, 0), err);
            rc = EXIT_FAIL;
        }
        applied += r == 1, kept += r == 0;
    }
    PQclear(res);
    if (found < nids)
        cli_error("rejects", "%d of the ids given are not set-aside records", nids - found);
    printf("%d applied, %d refused again and kept\n", applied, kept);
    return rc == EXIT_OK && (kept || found < nids) ? EXIT_FAIL : rc;
}

int
cmd_rejects(struct cli *cli, int argc, char **argv)
{
    bool is_list = argc == 2 && strcmp(argv[1], "list") == 0;
    bool is_replay = argc >= 2 && strcmp(argv[1], "replay") == 0;
    if (!is_list && !is_replay) {
        cli_usage(cli_command("rejects"), true);
        return EXIT_USAGE;
    }
    struct config *cfg = cli_config(cli);
    if (!cfg) return EXIT_FAIL;
    PGconn *conn = cli_connect(cfg, "tern rejects");
    config_unref(cfg);
    if (!conn) return EXIT_FAIL;
    int rc = is_list ? list(conn) : replay(conn, argc - 2, argv + 2);
    PQfinish(conn);
    return rc;
}
