/*
 * cmd_event.c - `tern event TYPE (--email ADDR | --contact ID)`: record an event
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "events.h"

struct event_args {
    const char *type, *email, *contact, *tenant, *data, *at;
};

static int
parse_args(int argc, char **argv, struct event_args *a)
{
    static const struct option opts[] = {
        {"email", required_argument, NULL, 'e'},  {"contact", required_argument, NULL, 'i'},
        {"tenant", required_argument, NULL, 't'}, {"data", required_argument, NULL, 'd'},
        {"at", required_argument, NULL, 'a'},     {0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'e': a->email = optarg; break;
        case 'i': a->contact = optarg; break;
        case 't': a->tenant = optarg; break;
        case 'd': a->data = optarg; break;
        case 'a': a->at = optarg; break;
        default: return -1;
        }
    }
    if (optind != argc - 1 || !a->email == !a->contact) return -1;
    a->type = argv[optind];
    return 0;
}

/* The contact the event is for, or -1 after printing why there is none. */
static int64_t
resolve_contact(PGconn *conn, const struct event_args *a)
{
    char err[512];
    if (a->email) {
        const char *tenant = a->tenant ? a->tenant : "default";
        int64_t id = contact_find_by_email(conn, tenant, a->email, err, sizeof err);
        if (id == 0)
            cli_error("event", "no contact with address %s in tenant %s", a->email, tenant);
        if (id < 0) cli_error("event", "%s", err);
        return id > 0 ? id : -1;
    }
    char *end;
    int64_t id = strtoll(a->contact, &end, 10);
    if (*end || id <= 0) {
        cli_error("event", "--contact: \"%s\" is not a contact id", a->contact);
        return -1;
    }
    int found = contact_exists(conn, id, err, sizeof err);
    if (found == 0) cli_error("event", "no contact with id %" PRId64, id);
    if (found < 0) cli_error("event", "%s", err);
    return found == 1 ? id : -1;
}

int
cmd_event(struct cli *cli, int argc, char **argv)
{
    struct event_args a = {0};
    if (parse_args(argc, argv, &a) < 0) {
        cli_usage(cli_command("event"), true);
        return EXIT_USAGE;
    }
    char why[256];
    const char *bad = ev_type_problem(a.type);
    if (!bad && a.data) bad = ev_data_problem(a.data, why, sizeof why);
    if (bad) {
        cli_error("event", "%s", bad);
        return EXIT_USAGE;
    }
    struct config *cfg = cli_config(cli);
    if (!cfg) return EXIT_FAIL;
    PGconn *conn = cli_connect(cfg, "tern event");
    config_unref(cfg);
    if (!conn) return EXIT_FAIL;
    int64_t contact = resolve_contact(conn, &a);
    char id[37], err[512];
    struct ev_new ev = {a.type, contact, a.data, a.at, "cli"};
    bool ok = contact > 0 && ev_insert(conn, &ev, id, err, sizeof err);
    if (contact > 0 && !ok) cli_error("event", "%s", err);
    if (ok) printf("%s\n", id);
    PQfinish(conn);
    return ok ? EXIT_OK : EXIT_FAIL;
}
