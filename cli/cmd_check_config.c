/*
 * cmd_check_config.c - `tern check-config`: validate tern.conf, the scripts
 * and templates it names (as `tern lint` does) when they are there, and the
 * tracker's pages (track.pages)
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int
cmd_check_config(struct cli *cli, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--defaults") == 0) {
        struct buf out = BUF_INIT;
        config_describe(&out);
        fputs(buf_str(&out), stdout);
        buf_free(&out);
        return EXIT_OK;
    }
    if (argc > 1) {
        cli_usage(cli_command("check-config"), true);
        return EXIT_USAGE;
    }
    struct config *cfg = cli_config(cli);
    if (!cfg) return EXIT_FAIL;
    unsigned problems = cli_lint_config_trees(cfg); /* each printed as file:line: message */
    if (problems == 0)
        printf("%s: ok\n", cfg->path);
    else
        cli_error("check-config", "%u problem%s in the scripts, templates or pages of %s", problems,
                  problems == 1 ? "" : "s", cfg->path);
    config_unref(cfg);
    return problems ? EXIT_FAIL : EXIT_OK;
}
