/*
 * en_int.h - what the runtime's own files share (not for other modules)
 */
#ifndef TERN_EN_INT_H
#define TERN_EN_INT_H

#include "en.h"

/*
 * Run the step function in one protected call and fill the transition and
 * effects of `d`. LUA_OK, or a lua_pcall status with the first line of the
 * error ("file:line: message") in err.
 */
int en_lua_step(struct lh_state *st, const struct en_input *in, struct en_decision *d, char *err,
                size_t errlen);

/*
 * Run fn with `arg` as its one light userdata argument in one protected
 * call under the limits (lh_pcall). 0, or -1 with the error's first line
 * ("file:line: message", no traceback) in err.
 */
int en_lua_protected(struct lh_state *st, lua_CFunction fn, void *arg, char *err, size_t errlen);

/* Free the effects of `d` (sends, sets, emits, vars) and zero them. */
void en_effects_free(struct en_decision *d);

#endif
