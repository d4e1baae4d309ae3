/*
 * log.c - leveled, tagged logging (see log.h)
 *
 * A line is formatted into a stack buffer and written with a single call so
 * lines from concurrent threads never interleave. Messages longer than the
 * buffer are cut and marked with "...". Control characters from outside
 * input (addresses, header values) are replaced so a log line stays a line.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static const char *log_ident = "tern";
static enum log_level log_level = LOG_LVL_INFO;
static bool log_syslog;

static const char *const level_names[] = {"error", "warning", "info", "debug"};
static const int syslog_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

void
log_setup(const char *ident, enum log_level level, bool to_syslog)
{
    log_ident = ident;
    log_level = level;
    if (log_syslog) closelog();
    log_syslog = to_syslog;
    if (to_syslog) openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_level(enum log_level level)
{
    log_level = level;
}

enum log_level
log_get_level(void)
{
    return log_level;
}

int
log_level_parse(const char *name)
{
    for (int i = 0; i <= LOG_LVL_DEBUG; i++)
        if (strcasecmp(name, level_names[i]) == 0) return i;
    return -1;
}

const char *
log_level_name(enum log_level level)
{
    return level_names[level];
}

static void
sanitize(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\t') *s = '?';
}

void
log_msg(enum log_level level, const char *module, const char *tag, const char *fmt, ...)
{
    if (level > log_level) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof msg) memcpy(msg + sizeof msg - 4, "...", 4); /* cut, visibly */
    sanitize(msg);
    const char *t = tag && *tag ? tag : "-";
    if (log_syslog) {
        syslog(syslog_prio[level], "%s: %s %s: %s", level_names[level], module, t, msg);
        return;
    }
    char line[2300];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%d]: %s: %s %s: %s\n",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 ts.tv_nsec / 1000000, log_ident, (int)getpid(), level_names[level], module, t,
                 msg);
    if (n >= (int)sizeof line) {
        n = (int)sizeof line - 1;
        line[n - 1] = '\n';
    }
    if (write(STDERR_FILENO, line, (size_t)n) < 0) { /* nowhere left to report it */
    }
}
