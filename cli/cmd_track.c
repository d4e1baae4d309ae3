/*
 * cmd_track.c - `tern track`: run the tracking web endpoint
 *
 * Loads and validates the configuration, sets up logging and hands over
 * to track/daemon.c, which runs in the foreground until SIGTERM.
 */
#include "cli.h"
#include "daemon.h"
#include "log.h"

int
cmd_track(struct cli *cli, int argc, char **argv)
{
    if (argc > 1) {
        cli_usage(cli_command("track"), true);
        return EXIT_USAGE;
    }
    struct config *cfg = cli_config(cli);
    if (!cfg) return EXIT_FAIL;
    log_setup("tern track", (enum log_level)cfg->log.level, cfg->log.syslog);
    int rc = tr_daemon_run(cfg, config_path(cli->config_path));
    config_unref(cfg);
    return rc == 0 ? EXIT_OK : EXIT_FAIL;
}
