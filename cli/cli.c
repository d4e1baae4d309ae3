/*
 * cli.c - plumbing shared by the subcommands (see cli.h) and the command table
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "lua/lh.h"

const struct cli_command cli_commands[] = {
    {"migrate", cmd_migrate, "create or upgrade the database schema",
     "migrate\n\n"
     "Apply the schema migrations this tern carries, each in its own transaction.\n"
     "Safe to run any time: an up-to-date database is left as it is. Refuses a\n"
     "database whose schema is newer than this tern. Also creates the coming\n"
     "months' event partitions.\n"},
    {"check-config", cmd_check_config, "validate the configuration file",
     "check-config [--defaults]\n\n"
     "Load and validate the configuration, then load the scripts of\n"
     "engine.scripts and the templates of engine.templates as `tern lint` does\n"
     "(each when it exists) and compile the tracker's track.pages; print every\n"
     "problem as file:line and exit non-zero if there is any.\n\n"
     "  --defaults  print every known key with its default and description\n"},
    {"contacts", cmd_contacts, "import contacts (contacts import FILE.csv)",
     "contacts import [--tenant NAME] [--batch N] FILE.csv\n\n"
     "Upsert contacts from an RFC 4180 CSV file (UTF-8, optional BOM; - reads\n"
     "standard input). The header row names the columns: `email` is required;\n"
     "`tenant` is optional; `timezone` and `locale` fill those fields; `status`\n"
     "applies to new contacts only; every other column becomes an attribute (an\n"
     "empty cell leaves it absent). A column named `NAME:number`, `NAME:int` or\n"
     "`NAME:bool` stores typed values (`NAME:string` is the default); another type\n"
     "is a header error. Rows are written in batches; bad rows are\n"
     "reported with their line number and skipped, every good row is kept. When an\n"
     "address appears twice, the later row wins and the duplicate is reported.\n\n"
     "  --tenant NAME  tenant for rows without a tenant column/value (default: default)\n"
     "  --batch N      rows per batch (default 50000)\n\n"
     "Exit status: 0 all rows imported, 3 some rows rejected, 1 the import failed.\n"},
    {"event", cmd_event, "record an event for a contact",
     "event TYPE (--email ADDR | --contact ID) [--tenant NAME] [--data JSON] [--at TIME]\n"
     "           [--idempotency-key KEY]\n\n"
     "Record an event (e.g. order.placed) as the events API would, so journeys\n"
     "react to it. TYPE is lower-case dotted words. --data is a JSON object;\n"
     "--at an ISO 8601 time with a zone (default: now). An unknown address\n"
     "becomes a pending contact of the tenant; a contact id must exist. A KEY\n"
     "used before in the tenant records nothing new. Prints the event id.\n"},
    {"render", cmd_render, "render a template to standard output",
     "render TEMPLATE [--data JSON|@FILE] [--partials DIR] [--part NAME] [--strict]\n"
     "                   [--tenant NAME] [--contact EMAIL]\n\n"
     "Render one part of a template file exactly as the milter would, with no\n"
     "added newline. A file without a header block is one Mustache body, rendered\n"
     "in HTML context. The view is --data; --contact adds the stored contact\n"
     "(needs the database) as `contact`.\n\n"
     "  --data JSON     the view: inline JSON, or @FILE to read it from a file\n"
     "  --partials DIR  partial `name` is DIR/name or DIR/name.mustache\n"
     "                  (default: the template's directory)\n"
     "  --part NAME     subject, from, reply-to, preheader, html or text\n"
     "                  (default: html, else text)\n"
     "  --strict        a missing variable is an error instead of empty text\n"
     "  --tenant NAME   partials in DIR/NAME/ override those in DIR; the tenant of\n"
     "                  --contact (default: default)\n"
     "  --contact EMAIL render for this stored contact\n"},
    {"milter", cmd_milter, "run the milter that personalizes and tracks mail in Postfix",
     "milter\n\n"
     "Listen on milter.socket for Postfix (smtpd_milters, non_smtpd_milters) and\n"
     "personalize and track managed mail; everything else passes byte-identical.\n"
     "Runs in the foreground and logs to stderr (or to syslog with log.syslog).\n"
     "SIGUSR1 reloads tern.conf and the scripts (libmilter treats SIGHUP as stop);\n"
     "messages in flight finish under the configuration they started with.\n"
     "SIGTERM stops. See doc/milter.md.\n"},
    {"stats", cmd_stats, "the funnel per journey and step",
     "stats [--journey NAME] [--json]\n\n"
     "Per journey: contacts entered, converted (goal reached), exited (ended\n"
     "without converting) and ended; per step: how often it ran (an enrollment\n"
     "that ends on a goal or exit event while waiting for a step does not run it),\n"
     "how many converted or exited at it, the messages it sent, how many of them\n"
     "were opened and clicked by a human or a machine (the tracker's bot classes),\n"
     "how often a cap or window held it, and script errors. Opens and clicks count\n"
     "messages, not hits. --json prints the same as one array.\n"},
    {"token", cmd_token, "issue or inspect a signed tracking URL",
     "token click URL [--contact ID] [--message UUID] [--link N]\n"
     "       tern token open [--contact ID] [--message UUID]\n"
     "       tern token unsubscribe --contact ID [--list NAME] [--message UUID]\n"
     "       tern token confirm|preferences --contact ID [--ttl DURATION] [--message UUID]\n"
     "       tern token inspect URL|TOKEN\n\n"
     "Print a tracking URL under track.base_url signed with [keys] hmac, exactly\n"
     "as the milter writes them; or show what a URL's token says and whether it\n"
     "verifies with the configured keys (exit 0 valid, 1 not).\n\n"
     "  --contact ID     the contact (0 or absent: anonymous, click and open only)\n"
     "  --message UUID   the message (default: the nil UUID)\n"
     "  --link N         the link's index in the message (click, default 0)\n"
     "  --list NAME      what to unsubscribe from (default: all mail; the milter's\n"
     "                   links name the message's category, e.g. marketing)\n"
     "  --ttl DURATION   how long a confirm/preferences URL works (default 30d)\n"},
    {"lint", cmd_lint, "load scripts and templates without running them",
     "lint [PATH] [--templates DIR] [--list]\n\n"
     "Load every script under PATH as the daemons would (not *_test.lua) and\n"
     "parse every *.tpl and *.mustache template under --templates (else under\n"
     "PATH), without running any journey, segment or hook. PATH may be one file:\n"
     "a template alone, or a script with the tree it belongs to (its own problems\n"
     "and those of lib/ modules are reported). Every problem is printed as\n"
     "file:line: message; a failing script does not stop the others. Without\n"
     "PATH: engine.scripts and engine.templates of the configuration when one\n"
     "is given (-c, $TERN_CONFIG) or /etc/tern/tern.conf exists, else the\n"
     "current directory. Exit status 0 no problems, 1 problems found.\n\n"
     "  --templates DIR  also parse the templates under DIR\n"
     "  --list           print what the scripts register (journeys, segments,\n"
     "                   policy, hooks) when they load cleanly\n"},
    {"track", cmd_track, "run the tracking web endpoint (clicks, opens, pages)",
     "track\n\n"
     "Serve click redirects, the open pixel, the unsubscribe, confirmation and\n"
     "preference pages, /healthz and /metrics on track.listen, in the foreground.\n"
     "Every hit is written to the spool (track.spool) and made durable before it\n"
     "is answered; a background writer moves it into PostgreSQL. SIGHUP reloads\n"
     "the configuration (keys, bot rules, pages), SIGTERM stops. See doc/track.md.\n"},
    {"apikey", cmd_apikey, "create, list or revoke events API keys",
     "apikey create --name NAME [--tenant TENANT]\n"
     "       tern apikey list\n"
     "       tern apikey revoke ID\n\n"
     "Keys authenticate POST /v1/events (Authorization: Bearer KEY). `create`\n"
     "prints the new key once: only a hash of it is stored. A key writes events\n"
     "for the contacts of its tenant (default: default). Running trackers see new\n"
     "and revoked keys within five seconds.\n"},
    {"rejects", cmd_rejects, "list, show, replay or drop the spooled records the drains set aside",
     "rejects list\n"
     "       tern rejects show ID\n"
     "       tern rejects replay [ID...]\n"
     "       tern rejects drop ID... | --all\n\n"
     "A daemon's drain keeps each spooled record PostgreSQL refused, or could not\n"
     "read, in tern.record_rejects with the reason (see doc/spool.md). `list` shows\n"
     "them, `show` prints one whole as it was spooled. `replay` applies them again\n"
     "one by one, as the drain would (all of them without IDs): a record that\n"
     "applies is deleted, one refused again is kept. `drop` deletes records that\n"
     "will never apply; [engine] rejects_keep has the engine delete old ones.\n"
     "Exit status: 0 every record given applied (was shown, was deleted), 1 some\n"
     "were refused again or are not there.\n"},
    {"test", cmd_test, "run the *_test.lua files of a scripts tree",
     "test [DIR] [--templates DIR] [--timeout MS] [-v]\n\n"
     "Load the scripts under DIR (default: the current directory) as the engine\n"
     "would, then run every *_test.lua file under it, each in a fresh Lua state:\n"
     "its test(\"name\", function() ... end) calls, with expect(value).to_equal(...)\n"
     "and the other matchers in doc/tern-lua.md. Prints TAP, one line per test; a\n"
     "failure shows the file:line of the failed expectation or error. No database:\n"
     "db.query returns nil.\n\n"
     "  --templates DIR  where template.render finds template files (default: none)\n"
     "  --timeout MS     time limit of each test and of each file's top level\n"
     "                   (default 1000)\n"
     "  -v, --verbose    tracebacks with failures, and the scripts' log lines\n\n"
     "Exit status: 0 every test passed, 1 a test failed or the scripts do not load.\n"},
    {"engine", cmd_engine, "run the journey scheduler (foreground daemon)",
     "engine [--once] [--no-send | --send-only]\n"
     "       tern engine --intake-shards N\n\n"
     "Run the journeys under engine.scripts against PostgreSQL: take new events in,\n"
     "enter contacts, run due steps in batches (FOR UPDATE SKIP LOCKED, so several\n"
     "engines share the work), queue their mail in the outbox and submit it to\n"
     "engine.smtp for the milter to render, engine.send_connections at once. Runs in\n"
     "the foreground; SIGHUP reloads tern.conf and the scripts (all or nothing),\n"
     "SIGTERM stops after the current batch.\n\n"
     "  --once       run until nothing is due now, then exit\n"
     "  --no-send    leave the outbox to other processes (tern engine --send-only)\n"
     "  --send-only  only submit the outbox (no scripts); any number may run\n"
     "  --intake-shards N\n"
     "               ask for N intake shards (1..64; tern migrate makes 4) and exit:\n"
     "               events are taken in by shard of contact, so up to N engines take\n"
     "               events in at once; the running engines switch once the old shards\n"
     "               have taken in every event up to the request\n"},
    {"segment", cmd_segment, "refresh segments by hand, or list them",
     "segment refresh [NAME...]\n"
     "       tern segment list [--json]\n\n"
     "refresh: evaluate the segments under engine.scripts (every one, or those\n"
     "named) over all their contacts now, as tern engine does every `refresh`,\n"
     "and write who joined and who left (segment_memberships, with a\n"
     "segment.entered or segment.left event each). Prints one line per segment;\n"
     "a failing one is reported with its file:line and changes nothing.\n\n"
     "list: every segment the database knows: name, kind (sql or lua), tenant,\n"
     "current members, when it was last refreshed, and its last error.\n\n"
     "  --json  list as one array of {\"name\", \"kind\", \"tenant\", \"members\",\n"
     "          \"refreshed_at\", \"checked_at\", \"error\"}\n\n"
     "Exit status: 0 done, 1 a refresh failed, 3 a segment was skipped because\n"
     "another process was refreshing it.\n"},
    {"simulate", cmd_simulate, "run journeys for one contact on a virtual clock",
     "simulate JOURNEY.lua... [--policy FILE] [--contact JSON|@FILE] [--events SPEC]\n"
     "                   [--start ISO8601] [--days N] [--templates DIR] [--json]\n\n"
     "Run the journeys for one contact on a virtual clock, without a database, and\n"
     "print the timeline: one line per entry (enter, step, send, wait, exit, goal,\n"
     "capped, error). The files load as one scripts tree; a failing step is an\n"
     "error entry with its file:line.\n\n"
     "  --policy FILE   a script with policy { caps = ..., on_cap = ... }\n"
     "  --contact JSON  the contact's fields (default id 1, contact@example.com,\n"
     "                  tenant default, timezone UTC), inline or @FILE\n"
     "  --events SPEC   TYPE@OFFSET[,TYPE@OFFSET...] (offsets 0, 90m, 3d), or @FILE\n"
     "                  with a JSON array of {\"at\": \"3d\", \"type\": ..., \"data\": {...}}\n"
     "  --start TIME    the clock's start, ISO 8601 (default: now)\n"
     "  --days N        how long the clock runs (default 30)\n"
     "  --templates DIR check that every sent template is DIR/NAME.tpl or DIR/NAME\n"
     "  --json          an array of {\"at\": seconds since the start, \"journey\",\n"
     "                  \"kind\", \"step\", \"template\", \"detail\"}\n\n"
     "Exit status: 0 the timeline ran, 3 a step failed or a sent template is\n"
     "missing, 1 the scripts do not load.\n"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_command *
cli_command(const char *name)
{
    for (const struct cli_command *c = cli_commands; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

void
cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tern %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void
cli_usage(const struct cli_command *cmd, bool to_stderr)
{
    FILE *out = to_stderr ? stderr : stdout;
    fprintf(out, "usage: tern [-c FILE] %s", cmd->usage);
}

bool
cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) return false;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return true;
    }
    return false;
}

struct config *
cli_config(struct cli *cli)
{
    struct buf errors = BUF_INIT;
    struct config *cfg = config_load(config_path(cli->config_path), &errors);
    if (!cfg) fprintf(stderr, "%s", buf_str(&errors));
    buf_free(&errors);
    return cfg;
}

PGconn *
cli_connect(const struct config *cfg, const char *app_name)
{
    char err[1024];
    struct db_settings s = {
        .url = cfg->database.url,
        .app_name = app_name,
        .statement_timeout_ms = cfg->database.statement_timeout_ms,
        .connect_timeout_ms = cfg->database.connect_timeout_ms,
    };
    PGconn *conn = db_connect(&s, err, sizeof err);
    if (!conn) fprintf(stderr, "tern: %s\n", err);
    return conn;
}

struct lh_pool *
cli_engine_scripts(const struct config *cfg, struct db_pool *db, char *err, size_t errlen)
{
    struct lh_limits lim;
    lh_limits_default(&lim);
    lim.mem_bytes = (size_t)cfg->lua.memory;
    lim.call_ms = (unsigned)cfg->lua.call_timeout_ms;
    struct lh_pool *pool = lh_pool_new(&lim, 1, err, errlen); /* one state: one loop */
    struct lh_services svc = {.db = db, .templates_dir = cfg->engine.templates};
    if (pool && (lh_pool_set_services(pool, &svc) < 0 ||
                 lh_pool_reload(pool, cfg->engine.scripts, err, errlen) < 0)) {
        lh_pool_free(pool);
        return NULL;
    }
    return pool;
}
