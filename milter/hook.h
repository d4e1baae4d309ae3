/*
 * hook.h - running the `hook "message"` scripts for the milter
 *
 * Owns: leasing a Lua state from the process's pool (lua/lh.h), running
 * the message hooks on it (lua/lh_msg.h) and giving it back, tagged with
 * the message id so script output can be followed in the log. A pool whose
 * generation registered no message hook costs one lease and nothing else.
 *
 * Depends on: lua/lh, lua/lh_msg.
 */
#ifndef TERN_MILTER_HOOK_H
#define TERN_MILTER_HOOK_H

#include <stddef.h>

#include "lh_msg.h"

/* milter_deps.hooks (ctx: struct lh_pool *). 0, or -1 with the script's file:line. */
int mhook_run(void *pool, struct lh_message *m, char *err, size_t errlen);

#endif
