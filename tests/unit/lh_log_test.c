/*
 * lh_log_test.c - log.* from scripts: levels, tags, formatting, forged lines
 *
 * Scripts in tests/lua/log/probe.lua. Standard error is sent to a file
 * while a script runs, and the test reads back what was written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lh_probe.h"
#include "log.h"
#include "lua/lh.h"
#include "tap.h"

static struct lh_pool *pool;
static char logged[16384];

/* Run probe.lua:FUNC with session tag `tag`; what it logged is in `logged`. */
static void
logged_by(const char *func, const char *tag)
{
    char err[1024], name[128];
    FILE *f = tmpfile();
    int saved = dup(2);
    fflush(stderr);
    dup2(fileno(f), 2);
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    snprintf(name, sizeof name, "probe.lua:%s", func);
    if (st) {
        lh_set_tag(st, tag);
        if (lh_call(st, name, NULL, err, sizeof err, "") < 0) fprintf(stderr, "ERROR: %s\n", err);
    }
    lh_release(st);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(f);
    size_t n = fread(logged, 1, sizeof logged - 1, f);
    logged[n] = '\0';
    fclose(f);
}

static int
lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void
each_level_logs_at_its_level_with_file_line_and_tag(void)
{
    logged_by("levels", "4Xk2p1");
    like(logged, "info: lua 4Xk2p1: probe.lua:4: an info line", "info");
    like(logged, "warning: lua 4Xk2p1: probe.lua:5: a warning line", "warn");
    like(logged, "error: lua 4Xk2p1: probe.lua:6: an error line", "error");
    ok(!strstr(logged, "a debug line"), "debug is below the default level");
}

static void
debug_logs_when_the_level_allows(void)
{
    log_set_level(LOG_LVL_DEBUG);
    logged_by("levels", NULL);
    log_set_level(LOG_LVL_INFO);
    like(logged, "debug: lua -: probe.lua:3: a debug line", "debug at level debug, tag -");
}

static void
arguments_are_joined_by_spaces(void)
{
    logged_by("joined", NULL);
    like(logged, "probe.lua:9: sent 3 mails true nil\n", "every argument as text");
}

static void
tables_are_written_as_json(void)
{
    logged_by("table_as_json", NULL);
    like(logged, "contact {\"id\":7,\"tags\":[\"vip\"]}", "a table as JSON");
    logged_by("function_arg", NULL);
    like(logged, "handler function: ", "a function as tostring does");
}

static void
a_script_cannot_forge_log_lines(void)
{
    logged_by("forged_line", NULL);
    like(logged, "ok\\nwarning: lua -: forged?!", "newlines escaped, control characters replaced");
    is_int(lines(logged), 1, "one line");
}

static void
long_lines_are_cut(void)
{
    logged_by("long_line", NULL);
    ok(strlen(logged) < 2200, "5000 bytes are cut near 2048 (%zu)", strlen(logged));
    like(logged, "xxx...\n", "and the cut is marked");
}

int
main(void)
{
    pool = probe_pool("log", NULL, 0);
    each_level_logs_at_its_level_with_file_line_and_tag();
    debug_logs_when_the_level_allows();
    arguments_are_joined_by_spaces();
    tables_are_written_as_json();
    a_script_cannot_forge_log_lines();
    long_lines_are_cut();
    lh_pool_free(pool);
    return tap_done();
}
