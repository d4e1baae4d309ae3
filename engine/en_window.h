/*
 * en_window.h - a journey's send window in the contact's local time
 *
 * Owns: whether an instant is inside a `window = { hours =, days = }`
 * and when the window next opens. A window that spans midnight
 * ("22:00-06:00") belongs to the day it opens on: Friday 22:00 to
 * Saturday 06:00 is Friday's. Local time comes from en_tz (IANA zones);
 * an opening that falls into a daylight-saving gap moves to the first
 * real instant after it.
 *
 * Depends on: lua/lh_reg.h (struct lh_window), en_tz.
 */
#ifndef TERN_EN_WINDOW_H
#define TERN_EN_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "lua/lh_reg.h"

/*
 * The first instant >= now at which window `w` is open in zone `tz`
 * (now itself when it is open). 0, or -1 with err (unknown zone).
 */
int en_window_next(const struct lh_window *w, const char *tz, int64_t now, int64_t *open, char *err,
                   size_t errlen);

#endif
