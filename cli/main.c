/*
 * main.c - `tern`: dispatch to a subcommand
 *
 * Global options come before the subcommand: `tern -c FILE migrate`.
 * Each subcommand parses its own options and answers --help.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "cli.h"
#include "config.h"

static void
usage(FILE *out)
{
    fprintf(out, "usage: tern [-c FILE] COMMAND [ARGS...]\n\n"
                 "Mail-native marketing and transactional engine for Postfix.\n\n"
                 "Commands:\n");
    for (const struct cli_command *c = cli_commands; c->name; c++)
        fprintf(out, "  %-18s %s\n", c->name, c->summary);
    fprintf(out,
            "\nOptions:\n"
            "  -c FILE     configuration file (default: $TERN_CONFIG, then %s)\n"
            "  -h, --help  this help; `tern COMMAND --help` for a command's\n"
            "  --version   print the version\n\n"
            "See tern(1) and tern.conf(5).\n",
            CONFIG_DEFAULT_PATH);
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}, {0}};
    struct cli cli = {0};
    int c;
    while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': cli.config_path = optarg; break;
        case 'h': usage(stdout); return EXIT_OK;
        case 'V': printf("tern %s\n", PACKAGE_VERSION); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[optind];
    const struct cli_command *cmd = cli_command(name);
    if (cmd) {
        argc -= optind; /* the subcommand sees argv[0] = its name */
        argv += optind;
        if (cli_wants_help(argc, argv)) {
            cli_usage(cmd, false);
            return EXIT_OK;
        }
        optind = 0; /* reset getopt for the subcommand's own options */
        return cmd->run(&cli, argc, argv);
    }
    if (strcmp(name, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    fprintf(stderr, "tern: unknown command \"%s\"; `tern --help` lists them\n", name);
    return EXIT_USAGE;
}
