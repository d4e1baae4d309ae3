/*
 * cmd_contacts.c - `tern contacts import FILE.csv`
 *
 * Rejected rows and duplicates go to stderr as FILE:LINE: reason; the
 * summary goes to stdout. The exit status tells whether rows were rejected.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "import.h"

static void
print_report(void *ctx, unsigned long line, const char *message)
{
    fprintf(stderr, "%s:%lu: %s\n", (const char *)ctx, line, message);
}

static int
run_import(struct cli *cli, const char *path, struct imp_options *opt)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("contacts", "cannot open %s: %s", path, strerror(errno));
        return EXIT_FAIL;
    }
    struct config *cfg = cli_config(cli);
    PGconn *conn = cfg ? cli_connect(cfg, "tern contacts import") : NULL;
    config_unref(cfg);
    if (!conn) {
        if (fd != STDIN_FILENO) close(fd);
        return EXIT_FAIL;
    }
    struct imp_stats st;
    char err[1024];
    opt->report = print_report;
    opt->ctx = (void *)path;
    int rc = imp_contacts(conn, fd, opt, &st, err, sizeof err);
    PQfinish(conn);
    if (fd != STDIN_FILENO) close(fd);
    if (rc < 0) {
        cli_error("contacts", "%s: %s", path, err);
        return EXIT_FAIL;
    }
    unsigned long unchanged = st.rows - st.rejected - st.created - st.updated;
    printf("%s: %lu rows: %lu new, %lu updated, %lu unchanged, %lu rejected", path, st.rows,
           st.created, st.updated, unchanged, st.rejected);
    if (st.duplicates) printf(", %lu repeated an earlier address", st.duplicates);
    printf("\n");
    return st.rejected ? EXIT_PARTIAL : EXIT_OK;
}

int
cmd_contacts(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"tenant", required_argument, NULL, 't'}, {"batch", required_argument, NULL, 'b'}, {0}};
    struct imp_options opt = {0};
    if (argc < 2 || strcmp(argv[1], "import") != 0) goto usage;
    argc--, argv++;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 't': opt.default_tenant = optarg; break;
        case 'b':
            opt.batch_rows = strtoul(optarg, &end, 10);
            if (*end || opt.batch_rows == 0) {
                cli_error("contacts", "--batch: \"%s\" is not a positive number", optarg);
                return EXIT_USAGE;
            }
            break;
        default: goto usage;
        }
    }
    if (optind != argc - 1) goto usage;
    return run_import(cli, argv[optind], &opt);
usage:
    cli_usage(cli_command("contacts"), true);
    return EXIT_USAGE;
}
