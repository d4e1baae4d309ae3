/*
 * log_test.c - leveled, tagged log lines on stderr
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

#define LOG_MODULE "test"

/* Run `emit` with stderr redirected into `out`. */
static void
capture(void (*emit)(void), char *out, size_t len)
{
    int fds[2], saved = dup(STDERR_FILENO);
    if (pipe(fds) != 0) return;
    dup2(fds[1], STDERR_FILENO);
    emit();
    dup2(saved, STDERR_FILENO);
    close(fds[1]);
    close(saved);
    ssize_t n = read(fds[0], out, len - 1);
    out[n > 0 ? n : 0] = '\0';
    close(fds[0]);
}

static void
emit_warning(void)
{
    log_warn("4Xk2p1", "contact lookup failed: %s", "timeout");
}

static void
emit_untagged(void)
{
    log_info(NULL, "started");
}

static void
emit_debug(void)
{
    log_debug("q1", "details");
}

static void
emit_control_chars(void)
{
    log_warn("q2", "header value %s", "a\r\nInjected: yes");
}

static void
line_carries_level_module_and_tag(void)
{
    char out[4096];
    log_setup("tern test", LOG_LVL_INFO, false);
    capture(emit_warning, out, sizeof out);
    like(out, "tern test[", "the line names the program");
    like(out, "]: warning: test 4Xk2p1: contact lookup failed: timeout\n",
         "the line carries level, module, tag and message");
}

static void
missing_tag_is_a_dash(void)
{
    char out[4096];
    capture(emit_untagged, out, sizeof out);
    like(out, ": info: test -: started", "a line without a session tag shows '-'");
}

static void
lines_below_the_level_are_dropped(void)
{
    char out[4096];
    capture(emit_debug, out, sizeof out);
    is_str(out, "", "debug lines are dropped at level info");
    log_set_level(LOG_LVL_DEBUG);
    capture(emit_debug, out, sizeof out);
    like(out, "debug: test q1: details", "debug lines appear at level debug");
    log_set_level(LOG_LVL_INFO);
}

static void
control_characters_cannot_forge_lines(void)
{
    char out[4096];
    capture(emit_control_chars, out, sizeof out);
    like(out, "header value a??Injected: yes\n", "CR and LF from input are replaced");
    ok(strchr(out, '\n') == out + strlen(out) - 1, "one message is one line");
}

static void
level_names_parse(void)
{
    is_int(log_level_parse("warning"), LOG_LVL_WARNING, "\"warning\" parses");
    is_int(log_level_parse("DEBUG"), LOG_LVL_DEBUG, "level names are case-insensitive");
    is_int(log_level_parse("verbose"), -1, "an unknown level is -1");
}

int
main(void)
{
    line_carries_level_module_and_tag();
    missing_tag_is_a_dash();
    lines_below_the_level_are_dropped();
    control_characters_cannot_forge_lines();
    level_names_parse();
    return tap_done();
}
