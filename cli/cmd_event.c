/*
 * cmd_event.c - `tern event TYPE (--email ADDR | --contact ID)`: record an event
 *
 * The same path and rules as the events API: the event is encoded as an
 * api_event record (record.h) and applied to PostgreSQL the way the
 * tracker's drain applies the API's items, so an unknown address becomes a
 * pending contact of the tenant and an idempotency key keeps one event per
 * tenant. What the API rejects at once when the database answers, this
 * rejects too: a contact id that does not exist (in --tenant, when given).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "db.h"
#include "email.h"
#include "events.h"
#include "record.h"

struct event_args {
    const char *type, *email, *contact, *tenant, *data, *at, *idem;
};

static int
parse_args(int argc, char **argv, struct event_args *a)
{
    static const struct option opts[] = {{"email", required_argument, NULL, 'e'},
                                         {"contact", required_argument, NULL, 'i'},
                                         {"tenant", required_argument, NULL, 't'},
                                         {"data", required_argument, NULL, 'd'},
                                         {"at", required_argument, NULL, 'a'},
                                         {"idempotency-key", required_argument, NULL, 'k'},
                                         {0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'e': a->email = optarg; break;
        case 'i': a->contact = optarg; break;
        case 't': a->tenant = optarg; break;
        case 'd': a->data = optarg; break;
        case 'a': a->at = optarg; break;
        case 'k': a->idem = optarg; break;
        default: return -1;
        }
    }
    if (optind != argc - 1 || !a->email == !a->contact) return -1;
    a->type = argv[optind];
    return 0;
}

/* The address in the form contacts are stored (email.h) into `norm`, or why it is none. */
static const char *
email_problem(const char *email, struct buf *norm, char *why, size_t len)
{
    char err[200];
    if (email_normalize(email, strlen(email), norm, err, sizeof err) == EMAIL_OK) return NULL;
    snprintf(why, len, "--email: %s", err);
    return why;
}

/* What is wrong with the arguments themselves, or NULL; fills ev's parsed fields. */
static const char *
args_problem(const struct event_args *a, struct rec_api_event *ev, struct buf *norm, char *why,
             size_t len)
{
    const char *bad = ev_type_problem(a->type);
    if (!bad && a->email && !(bad = email_problem(a->email, norm, why, len)))
        ev->email = buf_str(norm);
    if (!bad && a->data) bad = ev_data_problem(a->data, why, len);
    if (!bad && a->at && (bad = ev_time_parse(a->at, &ev->occurred_us))) {
        snprintf(why, len, "--at: %s", bad);
        return why;
    }
    if (!bad && a->idem && (!*a->idem || strlen(a->idem) > REC_IDEM_MAX))
        return "--idempotency-key: must be 1 to 128 bytes";
    if (!bad && a->contact) {
        char *end;
        ev->contact_id = strtoll(a->contact, &end, 10);
        if (*end || ev->contact_id <= 0) {
            snprintf(why, len, "--contact: \"%s\" is not a contact id", a->contact);
            return why;
        }
    }
    return bad;
}

/* The first column of the one row `sql` returns, into `out`: 1 found, 0 none, -1 error. */
static int
lookup(PGconn *conn, const char *sql, int n, const char *const *params, char *out, size_t len)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus(res) != PGRES_TUPLES_OK ? -1 : PQntuples(res) > 0;
    if (rc < 0) {
        char err[512];
        cli_error("event", "%s", db_error(conn, res, err, sizeof err));
    }
    if (rc > 0) snprintf(out, len, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return rc;
}

/* The tenant the event is for, or -1 after printing why there is none: a
 * contact id must exist (in --tenant when given); an address belongs to
 * --tenant or the default one, which must exist. */
static int
resolve_tenant(PGconn *conn, const struct event_args *a, char tenant[64])
{
    if (a->contact) {
        const char *params[] = {a->contact, a->tenant};
        int rc = lookup(conn,
                        "SELECT tenant FROM tern.contacts WHERE id = $1::bigint"
                        " AND ($2::text IS NULL OR tenant = $2)",
                        2, params, tenant, 64);
        if (rc == 0 && a->tenant)
            cli_error("event", "no contact with id %s in tenant %s", a->contact, a->tenant);
        else if (rc == 0)
            cli_error("event", "no contact with id %s", a->contact);
        return rc > 0 ? 0 : -1;
    }
    const char *name = a->tenant ? a->tenant : "default";
    char found[64];
    int rc =
        lookup(conn, "SELECT id FROM tern.tenants WHERE id = $1", 1, &name, found, sizeof found);
    if (rc == 0) cli_error("event", "no tenant %s", name);
    snprintf(tenant, 64, "%s", name);
    return rc > 0 ? 0 : -1;
}

/* Apply the one record; the id of the event that holds it (the first one
 * with its idempotency key) is printed. */
static bool
apply(PGconn *conn, const struct rec_api_event *ev)
{
    char err[512];
    struct buf rec = BUF_INIT;
    size_t skipped = 0;
    bool ok = rec_encode_api_event(ev, &rec, err, sizeof err) == 0;
    struct spool_rec sr = {0, rec.data, rec.len};
    ok = ok && rec_apply(conn, &sr, 1, &skipped, err, sizeof err) == 0;
    buf_free(&rec);
    if (!ok || skipped) {
        cli_error("event", "%s", ok ? "PostgreSQL refused the event (see above)" : err);
        return false;
    }
    char id[37];
    snprintf(id, sizeof id, "%s", ev->id);
    const char *params[] = {ev->tenant, ev->idem_key};
    if (ev->idem_key && lookup(conn,
                               "SELECT event_id FROM tern.event_idempotency"
                               " WHERE tenant = $1 AND idempotency_key = $2",
                               2, params, id, sizeof id) < 0)
        return false;
    printf("%s\n", id);
    return true;
}

/* Connect, find the tenant and apply the event; false after printing why not. */
static bool
record(struct cli *cli, const struct event_args *a, struct rec_api_event *ev, char tenant[64])
{
    struct config *cfg = cli_config(cli);
    if (!cfg) return false;
    PGconn *conn = cli_connect(cfg, "tern event");
    config_unref(cfg);
    if (!conn) return false;
    bool ok = resolve_tenant(conn, a, tenant) == 0;
    if (ok && !rec_new_event_id(0, ev->id)) {
        cli_error("event", "no random bytes for an event id");
        ok = false;
    }
    ok = ok && apply(conn, ev);
    PQfinish(conn);
    return ok;
}

int
cmd_event(struct cli *cli, int argc, char **argv)
{
    struct event_args a = {0};
    if (parse_args(argc, argv, &a) < 0) {
        cli_usage(cli_command("event"), true);
        return EXIT_USAGE;
    }
    char why[256], tenant[64];
    struct buf norm = BUF_INIT;
    struct rec_api_event ev = {
        .type = a.type, .data = a.data, .idem_key = a.idem, .source = "cli", .tenant = tenant};
    const char *bad = args_problem(&a, &ev, &norm, why, sizeof why);
    if (bad) cli_error("event", "%s", bad);
    int rc = bad ? EXIT_USAGE : record(cli, &a, &ev, tenant) ? EXIT_OK : EXIT_FAIL;
    buf_free(&norm);
    return rc;
}
