/*
 * log.h - leveled logging to stderr or syslog, every line tagged
 *
 * Owns: the process-wide log sink and level. Every line carries a module
 * name and a session tag (Postfix queue id, request id, enrollment id; "-"
 * when there is none) so one message can be followed through the logs:
 *
 *     tern milter[812]: warning: milter 4Xk2p1: contact lookup failed: ...
 *
 * Depends on: libc and syslog only. Thread-safe: one write(2)/syslog(3) per line.
 */
#ifndef TERN_LOG_H
#define TERN_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARNING, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Configure the sink: program name (e.g. "tern milter"), minimum level, and
 * whether lines go to syslog (mail facility) instead of stderr. */
void log_setup(const char *ident, enum log_level level, bool to_syslog);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* "error", "warning", "info", "debug" <-> level; -1 for an unknown name. */
int log_level_parse(const char *name);
const char *log_level_name(enum log_level level);

void log_msg(enum log_level level, const char *module, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Per-module shorthands: define LOG_MODULE before including, then
 * log_warn(tag, "contact lookup failed: %s", err). */
#define log_error(tag, ...) log_msg(LOG_LVL_ERROR, LOG_MODULE, tag, __VA_ARGS__)
#define log_warn(tag, ...)  log_msg(LOG_LVL_WARNING, LOG_MODULE, tag, __VA_ARGS__)
#define log_info(tag, ...)  log_msg(LOG_LVL_INFO, LOG_MODULE, tag, __VA_ARGS__)
#define log_debug(tag, ...)                                                                        \
    do {                                                                                           \
        if (log_get_level() >= LOG_LVL_DEBUG)                                                      \
            log_msg(LOG_LVL_DEBUG, LOG_MODULE, tag, __VA_ARGS__);                                  \
    } while (0)

#endif
