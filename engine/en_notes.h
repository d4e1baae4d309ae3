/*
 * en_notes.h - log lines held until their transaction commits
 *
 * Owns: the lines a transaction's work has to say ("step parked", "filter
 * failed"), kept until the caller knows whether that work stands. A batch
 * that fails is rolled back and run again one enrollment at a time; said
 * at once, every line of its first try would be said a second time, about
 * work that never happened. The holder says them after COMMIT, drops them
 * after ROLLBACK, and drops back to a mark after ROLLBACK TO SAVEPOINT.
 * Out of memory, a line is said at once instead: twice beats never.
 *
 * Depends on: lib/log.
 */
#ifndef TERN_EN_NOTES_H
#define TERN_EN_NOTES_H

#include <stddef.h>

#include "log.h"

struct en_note;

struct en_notes {
    struct en_note *v;
    size_t n, cap;
};

#define EN_NOTES_INIT                                                                              \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Hold one line of `module` at `level` about `tag` (NULL: none). */
void en_notes_add(struct en_notes *ns, enum log_level level, const char *module, const char *tag,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A mark to drop back to: the lines held so far. */
size_t en_notes_mark(const struct en_notes *ns);

/* Forget the lines held since `mark` (0: all). */
void en_notes_drop(struct en_notes *ns, size_t mark);

/* Log every line held, in order, and forget them. */
void en_notes_say(struct en_notes *ns);

void en_notes_free(struct en_notes *ns);

#endif
