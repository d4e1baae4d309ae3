/*
 * cmd_rejects.c - `tern rejects`: the spooled records the drains set aside
 *
 *     tern rejects list              id, time, kind, reason, the record's start
 *     tern rejects show ID           one record whole, as it was spooled
 *     tern rejects replay [ID...]    apply them again (all without IDs)
 *     tern rejects drop ID...|--all  delete them, for good
 *
 * A daemon's drain keeps a record PostgreSQL refused, or could not read, in
 * tern.record_rejects (lib/record.h). Once the cause is gone (a newer tern
 * that knows the kind, a constraint relaxed, the row corrected by hand),
 * replay applies each one as the drain would, alone: one that applies is
 * deleted, one refused again stays with its reason. Records are
 * idempotent, so a replay interrupted between applying and deleting
 * changes nothing the next time. One that will never apply (a test record,
 * a kind no tern will know) is dropped by hand, or by the engine once it is
 * older than [engine] rejects_keep (engine/en_pg_prune.c).
 */
#include <errno.h>
#include <stdint.h>
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

/*
 * The ids given as a bigint[] literal in `array`, and how many distinct ones there are in
 * *distinct; false (said why) when one is not an id.
 */
static bool
id_array(int nids, char **ids, struct buf *array, int *distinct)
{
    *distinct = 0;
    for (int i = 0; i < nids; i++) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(ids[i], &end, 10);
        if (!*ids[i] || *end || strspn(ids[i], "0123456789") != strlen(ids[i]) || errno ||
            v > INT64_MAX) {
            cli_error("rejects", "\"%s\" is not the id of a set-aside record", ids[i]);
            return false;
        }
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = strtoull(ids[j], NULL, 10) == v;
        *distinct += !seen;
        buf_printf(array, "%c%llu", i ? ',' : '{', v);
    }
    if (nids) buf_putc(array, '}');
    return true;
}

/*
 * Run `sql`, whose $1 is a bigint[] of the `nids` ids (NULL with none: every record), and
 * return its rows, with the number of distinct ids in *distinct; NULL with the error said
 * and *rc set (EXIT_USAGE for a bad id).
 */
static PGresult *
by_ids(PGconn *conn, const char *sql, int nids, char **ids, int *distinct, int *rc)
{
    struct buf array = BUF_INIT;
    if (!id_array(nids, ids, &array, distinct)) {
        buf_free(&array);
        *rc = EXIT_USAGE;
        return NULL;
    }
    char err[1024];
    const char *p[] = {nids ? buf_str(&array) : NULL};
    PGresult *res = query(conn, sql, 1, p, err, sizeof err);
    buf_free(&array);
    if (!res) {
        cli_error("rejects", "%s", err);
        *rc = EXIT_FAIL;
    }
    return res;
}

static void
say_missing(int nids, int found)
{
    if (found < nids)
        cli_error("rejects", "%d of the ids given are not set-aside records", nids - found);
}

static int
replay(PGconn *conn, int nids, char **ids)
{
    int rc = EXIT_OK, distinct;
    PGresult *res = by_ids(conn,
                           "SELECT id::text, record FROM tern.record_rejects"
                           " WHERE $1::bigint[] IS NULL OR id = ANY ($1::bigint[]) ORDER BY id",
                           nids, ids, &distinct, &rc);
    if (!res) return rc;
    char err[1024];
    int applied = 0, kept = 0, found = PQntuples(res);
    for (int i = 0; i < found && rc == EXIT_OK; i++) {
        int r = replay_one(conn, res, i, err, sizeof err);
        if (r < 0) {
            cli_error("rejects", "record %s: %s", PQgetvalue(res, i, 0), err);
            rc = EXIT_FAIL;
        }
        applied += r == 1, kept += r == 0;
    }
    PQclear(res);
    say_missing(distinct, found);
    printf("%d applied, %d refused again and kept\n", applied, kept);
    return rc == EXIT_OK && (kept || found < distinct) ? EXIT_FAIL : rc;
}

/* The whole record, byte for byte as the daemon spooled it, and a newline. */
static int
show(PGconn *conn, char *id)
{
    int rc = EXIT_OK, distinct;
    PGresult *res =
        by_ids(conn, "SELECT record FROM tern.record_rejects WHERE id = ANY ($1::bigint[])", 1, &id,
               &distinct, &rc);
    if (!res) return rc;
    int found = PQntuples(res);
    if (found) {
        fwrite(PQgetvalue(res, 0, 0), 1, (size_t)PQgetlength(res, 0, 0), stdout);
        putchar('\n');
    }
    PQclear(res);
    say_missing(1, found);
    return found ? EXIT_OK : EXIT_FAIL;
}

/* Delete the given records, or all of them with --all (never by default: they are data). */
static int
drop(PGconn *conn, int nids, char **ids)
{
    if (nids == 0) {
        cli_error("rejects", "drop needs the ids of the records to delete, or --all");
        return EXIT_USAGE;
    }
    bool all = nids == 1 && strcmp(ids[0], "--all") == 0;
    int rc = EXIT_OK, distinct;
    PGresult *res = by_ids(conn,
                           "DELETE FROM tern.record_rejects"
                           " WHERE $1::bigint[] IS NULL OR id = ANY ($1::bigint[]) RETURNING id",
                           all ? 0 : nids, ids, &distinct, &rc);
    if (!res) return rc;
    int found = PQntuples(res);
    PQclear(res);
    if (!all) say_missing(distinct, found);
    printf("%d deleted\n", found);
    return all || found == distinct ? EXIT_OK : EXIT_FAIL;
}

int
cmd_rejects(struct cli *cli, int argc, char **argv)
{
    const char *verb = argc >= 2 ? argv[1] : "";
    bool is_list = argc == 2 && strcmp(verb, "list") == 0;
    bool is_show = argc == 3 && strcmp(verb, "show") == 0;
    bool is_replay = strcmp(verb, "replay") == 0, is_drop = strcmp(verb, "drop") == 0;
    if (!is_list && !is_show && !is_replay && !is_drop) {
        cli_usage(cli_command("rejects"), true);
        return EXIT_USAGE;
    }
    struct config *cfg = cli_config(cli);
    if (!cfg) return EXIT_FAIL;
    PGconn *conn = cli_connect(cfg, "tern rejects");
    config_unref(cfg);
    if (!conn) return EXIT_FAIL;
    int rc = is_list   ? list(conn)
             : is_show ? show(conn, argv[2])
             : is_drop ? drop(conn, argc - 2, argv + 2)
                       : replay(conn, argc - 2, argv + 2);
    PQfinish(conn);
    return rc;
}
