/*
 * cli.h - the `tern` command line: shared plumbing for subcommands
 *
 * Owns: what every subcommand needs from the outside world: the config
 * path from -c, loading the config with errors on stderr, a database
 * connection, and the exit-status convention:
 *
 *   0  done                    2  usage error (bad flags or arguments)
 *   1  failed (see stderr)     3  done, but some input was rejected
 *
 * Depends on: lib/. Subcommands live in cli/cmd_*.c, one file each.
 */
#ifndef TERN_CLI_H
#define TERN_CLI_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "config.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_PARTIAL = 3 };

struct cli {
    const char *config_path; /* -c FILE, or NULL for $TERN_CONFIG / the default */
};

struct cli_command {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *summary;
    const char *usage; /* printed by --help, after "usage: tern " */
};

/* Load and validate the config; on failure print every problem and return NULL. */
struct config *cli_config(struct cli *cli);

/* Connect with the config's settings; on failure print why and return NULL. */
PGconn *cli_connect(const struct config *cfg, const char *app_name);

/*
 * The scripts under engine.scripts in a pool of one state with the [lua]
 * limits, db.query on `db` (its own connections: a step's query never
 * waits for the caller's transaction). NULL with err.
 */
struct lh_pool;
struct db_pool;
struct lh_pool *cli_engine_scripts(const struct config *cfg, struct db_pool *db, char *err,
                                   size_t errlen);

/*
 * Lint the engine.scripts and engine.templates trees of `cfg` that exist,
 * as `tern lint` does (cmd_lint.c), each problem printed as file:line:
 * message. The number of problems.
 */
unsigned cli_lint_config_trees(const struct config *cfg);

/* Print "usage: tern <usage>" and the help text of a command to `out`. */
void cli_usage(const struct cli_command *cmd, bool to_stderr);

/* Print "tern <cmd>: <message>" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when argv holds -h or --help (before any "--"). */
bool cli_wants_help(int argc, char **argv);

/* The subcommands. */
int cmd_migrate(struct cli *cli, int argc, char **argv);
int cmd_check_config(struct cli *cli, int argc, char **argv);
int cmd_contacts(struct cli *cli, int argc, char **argv);
int cmd_event(struct cli *cli, int argc, char **argv);
int cmd_token(struct cli *cli, int argc, char **argv);
int cmd_render(struct cli *cli, int argc, char **argv);
int cmd_milter(struct cli *cli, int argc, char **argv);
int cmd_stats(struct cli *cli, int argc, char **argv);
int cmd_lint(struct cli *cli, int argc, char **argv);
int cmd_test(struct cli *cli, int argc, char **argv);
int cmd_track(struct cli *cli, int argc, char **argv);
int cmd_apikey(struct cli *cli, int argc, char **argv);
int cmd_rejects(struct cli *cli, int argc, char **argv);
int cmd_simulate(struct cli *cli, int argc, char **argv);
int cmd_engine(struct cli *cli, int argc, char **argv);
int cmd_segment(struct cli *cli, int argc, char **argv);

extern const struct cli_command cli_commands[];

/* The command called `name`, or NULL. */
const struct cli_command *cli_command(const char *name);

#endif
