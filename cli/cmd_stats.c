/*
 * cmd_stats.c - `tern stats [--journey NAME] [--json]`: the funnel per journey and step
 *
 * One query reads, per journey and step: how often the step ran (not
 * counting enrollments that ended there without running it), how many
 * enrollments converted or exited at it, how often it parked on an error
 * or was put off by a cap or the window (enrollment_steps), how many of
 * its mails a cap dropped (outbox rows `capped`, on_cap = "skip"), how
 * many messages it sent (messages, as the milter recorded them), and how
 * many of those were opened and clicked, split into human and machine by
 * the tracker's bot classification (events, joined to their message and
 * its recipient's contact: copies of one message id for several
 * recipients are several messages). Per journey it adds how many contacts
 * entered, converted (goal reached), exited (ended without converting)
 * and ended (either). Counts of opens and clicks are messages, not hits:
 * a message opened five times counts once, as human if any open was human.
 *
 * Output: a table per journey, or with --json one array of
 * {"journey", "entered", "converted", "exited", "ended", "steps": [{"step",
 * "ran", "converted", "exited", "sent", "opened_human", "opened_machine",
 * "clicked_human", "clicked_machine", "capped_deferred", "capped_skipped",
 * "window_deferred", "errors"}]}.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

/* Rows: journey, step ("" for the journey's own totals), then the counters below. */
static const char stats_sql[] =
    "WITH steps AS ("
    "  SELECT journey, step,"
    "         count(*) FILTER (WHERE ran AND outcome NOT IN ('error', 'capped', 'deferred')) AS "
    "ran,"
    "         count(*) FILTER (WHERE outcome = 'goal') AS converted,"
    "         count(*) FILTER (WHERE outcome = 'exit') AS exited,"
    "         count(*) FILTER (WHERE outcome = 'capped') AS capped_deferred,"
    "         count(*) FILTER (WHERE outcome = 'deferred') AS window_deferred,"
    "         count(*) FILTER (WHERE outcome = 'error') AS errors"
    "    FROM enrollment_steps WHERE $1::text IS NULL OR journey = $1 GROUP BY 1, 2),"
    " dropped AS ("
    "  SELECT journey, step, count(*) AS capped_skipped FROM outbox"
    "   WHERE status = 'capped' AND ($1::text IS NULL OR journey = $1) GROUP BY 1, 2),"
    " sent AS ("
    "  SELECT m.journey, m.step, count(*) AS sent,"
    "         count(*) FILTER (WHERE o.human) AS opened_human,"
    "         count(*) FILTER (WHERE o.machine AND NOT o.human) AS opened_machine,"
    "         count(*) FILTER (WHERE k.human) AS clicked_human,"
    "         count(*) FILTER (WHERE k.machine AND NOT k.human) AS clicked_machine"
    "    FROM messages m"
    "    LEFT JOIN LATERAL (SELECT bool_or(bot_class = 'human') AS human,"
    "                              bool_or(bot_class IS DISTINCT FROM 'human') AS machine"
    "                         FROM events WHERE message_id = m.id AND type = 'email.open'"
    "                          AND contact_id IS NOT DISTINCT FROM m.contact_id) o ON "
    "true"
    "    LEFT JOIN LATERAL (SELECT bool_or(bot_class = 'human') AS human,"
    "                              bool_or(bot_class IS DISTINCT FROM 'human') AS machine"
    "                         FROM events WHERE message_id = m.id AND type = 'email.click'"
    "                          AND contact_id IS NOT DISTINCT FROM m.contact_id) k ON "
    "true"
    "   WHERE m.journey IS NOT NULL AND ($1::text IS NULL OR m.journey = $1)"
    "   GROUP BY 1, 2),"
    " journeys AS ("
    "  SELECT journey, count(*) AS entered, count(converted_at) AS converted,"
    "         count(*) FILTER (WHERE status = 'exited') AS exited,"
    "         count(*) FILTER (WHERE status IN ('exited', 'completed')) AS ended"
    "    FROM enrollments WHERE $1::text IS NULL OR journey = $1 GROUP BY 1)"
    " SELECT journey, '' AS step, entered, converted, exited, ended,"
    "        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0"
    "   FROM journeys"
    " UNION ALL"
    " SELECT coalesce(s.journey, t.journey, x.journey), coalesce(s.step, t.step, x.step, ''),"
    "        0, 0, 0, 0,"
    "        coalesce(s.ran, 0), coalesce(s.converted, 0), coalesce(s.exited, 0),"
    "        coalesce(t.sent, 0), coalesce(t.opened_human, 0),"
    "        coalesce(t.opened_machine, 0), coalesce(t.clicked_human, 0),"
    "        coalesce(t.clicked_machine, 0), coalesce(s.capped_deferred, 0),"
    "        coalesce(x.capped_skipped, 0), coalesce(s.window_deferred, 0), coalesce(s.errors, 0)"
    "   FROM steps s FULL JOIN sent t ON t.journey = s.journey AND t.step = s.step"
    "   FULL JOIN dropped x ON x.journey = coalesce(s.journey, t.journey)"
    "                      AND x.step = coalesce(s.step, t.step)"
    " ORDER BY 1, 2";

static const char *const step_keys[] = {"ran",
                                        "converted",
                                        "exited",
                                        "sent",
                                        "opened_human",
                                        "opened_machine",
                                        "clicked_human",
                                        "clicked_machine",
                                        "capped_deferred",
                                        "capped_skipped",
                                        "window_deferred",
                                        "errors"};
#define NSTEPKEYS (sizeof step_keys / sizeof *step_keys)

struct stats_args {
    const char *journey;
    bool json;
};

static int
parse_args(int argc, char **argv, struct stats_args *a)
{
    static const struct option opts[] = {
        {"journey", required_argument, NULL, 'j'}, {"json", no_argument, NULL, 'J'}, {0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'j': a->journey = optarg; break;
        case 'J': a->json = true; break;
        default: return -1;
        }
    }
    return optind == argc ? 0 : -1;
}

static json_int_t
num(const PGresult *r, int row, int col)
{
    return (json_int_t)strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* The query's rows as the --json array (journeys in name order, steps in name order). */
static json_t *
to_json(const PGresult *r)
{
    json_t *all = json_array(), *cur = NULL;
    for (int i = 0; all && i < PQntuples(r); i++) {
        const char *journey = PQgetvalue(r, i, 0), *step = PQgetvalue(r, i, 1);
        if (!cur || strcmp(json_string_value(json_object_get(cur, "journey")), journey) != 0) {
            cur = json_pack("{s:s, s:I, s:I, s:I, s:I, s:[]}", "journey", journey, "entered",
                            num(r, i, 2), "converted", num(r, i, 3), "exited", num(r, i, 4),
                            "ended", num(r, i, 5), "steps");
            if (json_array_append_new(all, cur) < 0) break;
        }
        if (!*step) continue; /* the journey's own row */
        json_t *s = json_pack("{s:s}", "step", step);
        for (size_t k = 0; s && k < NSTEPKEYS; k++)
            json_object_set_new(s, step_keys[k], json_integer(num(r, i, 6 + (int)k)));
        json_array_append_new(json_object_get(cur, "steps"), s);
    }
    return all;
}

static double
pct(json_int_t part, json_int_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void
print_journey(json_t *j)
{
    json_int_t entered = json_integer_value(json_object_get(j, "entered"));
    json_int_t converted = json_integer_value(json_object_get(j, "converted"));
    printf("journey %s: %" JSON_INTEGER_FORMAT " entered, %" JSON_INTEGER_FORMAT
           " converted (%.1f%%), %" JSON_INTEGER_FORMAT " exited, %" JSON_INTEGER_FORMAT " ended\n",
           json_string_value(json_object_get(j, "journey")), entered, converted,
           pct(converted, entered), json_integer_value(json_object_get(j, "exited")),
           json_integer_value(json_object_get(j, "ended")));
    printf("  %-24s %8s %9s %8s %8s %15s %15s %12s %8s %8s\n", "step", "ran", "converted", "exited",
           "sent", "opened h/m", "clicked h/m", "capped d/s", "window", "errors");
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(j, "steps"), i, s)
    {
        char opened[40], clicked[40], capped[40];
#define V(key) json_integer_value(json_object_get(s, key))
        snprintf(opened, sizeof opened, "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
                 V("opened_human"), V("opened_machine"));
        snprintf(clicked, sizeof clicked, "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
                 V("clicked_human"), V("clicked_machine"));
        snprintf(capped, sizeof capped, "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
                 V("capped_deferred"), V("capped_skipped"));
        printf("  %-24s %8" JSON_INTEGER_FORMAT " %9" JSON_INTEGER_FORMAT " %8" JSON_INTEGER_FORMAT
               " %8" JSON_INTEGER_FORMAT " %15s %15s %12s %8" JSON_INTEGER_FORMAT
               " %8" JSON_INTEGER_FORMAT "\n",
               json_string_value(json_object_get(s, "step")), V("ran"), V("converted"), V("exited"),
               V("sent"), opened, clicked, capped, V("window_deferred"), V("errors"));
#undef V
    }
}

static int
report(PGconn *conn, const struct stats_args *a)
{
    const char *params[] = {a->journey};
    PGresult *r = PQexecParams(conn, stats_sql, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        cli_error("stats", "%s", PQresultErrorMessage(r));
        PQclear(r);
        return EXIT_FAIL;
    }
    json_t *all = to_json(r);
    PQclear(r);
    if (!all) return cli_error("stats", "out of memory"), EXIT_FAIL;
    if (a->json) {
        char *text = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text) puts(text);
        free(text);
    } else if (json_array_size(all) == 0 && a->journey) {
        printf("no enrollments or messages for journey %s\n", a->journey);
    } else if (json_array_size(all) == 0) {
        printf("no journeys have run yet\n");
    } else {
        size_t i;
        json_t *j;
        json_array_foreach(all, i, j)
        {
            if (i) putchar('\n');
            print_journey(j);
        }
    }
    json_decref(all);
    return EXIT_OK;
}

int
cmd_stats(struct cli *cli, int argc, char **argv)
{
    struct stats_args a = {0};
    if (parse_args(argc, argv, &a) < 0) {
        cli_usage(cli_command("stats"), true);
        return EXIT_USAGE;
    }
    struct config *cfg = cli_config(cli);
    if (!cfg) return EXIT_FAIL;
    PGconn *conn = cli_connect(cfg, "tern stats");
    int rc = conn ? report(conn, &a) : EXIT_FAIL;
    PQfinish(conn);
    config_unref(cfg);
    return rc;
}
