/*
 * hook.c - lease, run the message hooks, release (see hook.h)
 */
#include "hook.h"

int
mhook_run(void *pool, struct lh_message *m, char *err, size_t errlen)
{
    struct lh_state *st = lh_lease(pool, err, errlen);
    if (!st) return -1;
    lh_set_tag(st, m->message_id);
    int rc = lh_message_hooks(st) ? lh_message_run(st, m, err, errlen) : 0;
    lh_release(st);
    return rc;
}
