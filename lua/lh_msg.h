/*
 * lh_msg.h - the `hook "message"` calling convention, as seen from C
 *
 * Owns: turning a message the milter is handling into the Lua object that
 * every registered `hook "message" (fn)` receives, running those hooks in
 * registration order (script path order, then order within a script), and
 * reading back what they changed. The milter fills a struct lh_message,
 * calls lh_message_run() on a leased state and applies the result; tests
 * do the same with a fake message.
 *
 * What a hook sees (doc/tern-lua.md is the reference):
 *     m.category            "marketing" | "transactional" (writable)
 *     m.envelope.from       envelope sender;  m.envelope.to  array of recipients
 *     m.headers             read-only view: m.headers["subject"] -> first value,
 *                           m:header_all(name) -> array
 *     m.contact             table of the recipient's contact (email, id, tenant,
 *                           attributes flattened) or nil
 *     m.data                X-Tern-Data (table) or nil
 *     m.view                table merged into the template view (writable)
 *     m.track.clicks, m.track.opens   booleans (writable)
 *     m.message_id, m.journey, m.step, m.template   strings or nil
 *     m:add_header(name, value)   m:remove_header(name)
 *     m:reject(reason)  m:tempfail(reason)  m:discard(reason)
 *
 * Depends on: lua/lh.h, jansson.
 */
#ifndef TERN_LH_MSG_H
#define TERN_LH_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "lh.h"

struct lh_header {
    const char *name, *value;
};

enum lh_msg_action { LH_MSG_CONTINUE, LH_MSG_REJECT, LH_MSG_TEMPFAIL, LH_MSG_DISCARD };

/* A header edit a hook asked for, in order. */
struct lh_header_edit {
    bool remove; /* remove every header named `name`; else add name: value */
    char *name, *value;
};

struct lh_message {
    /* in: what the milter knows (borrowed, not freed by lh_message_*) */
    const char *envelope_from;
    const char *const *recipients;
    size_t nrecipients;
    const struct lh_header *headers;
    size_t nheaders;
    json_t *contact; /* object or NULL */
    json_t *data;    /* object or NULL */
    const char *message_id, *journey, *step, *template_name;

    /* in and out: hooks may change these */
    char *category; /* owned (malloc'd); starts "marketing" or "transactional" */
    json_t *view;   /* owned reference; object merged into the template view */
    bool track_clicks, track_opens;

    /* out */
    enum lh_msg_action action;
    char *reason; /* for reject/tempfail/discard */
    struct lh_header_edit *edits;
    size_t nedits;
};

/* Zero `m`, set category "marketing", an empty view and tracking on. 0 or -1 (no memory). */
int lh_message_init(struct lh_message *m);

/* Free what lh_message_init and lh_message_run allocated (not the borrowed inputs). */
void lh_message_free(struct lh_message *m);

/*
 * Run every `hook "message"` of the leased state's generation on `m`,
 * under the call limits. A hook that errors (or runs out of time or
 * memory) stops the run: -1 with "file:line: message" and a traceback in
 * err, and `m` must be treated as unchanged by the caller (apply the
 * failure policy). No hooks registered: 0 and nothing changes.
 */
int lh_message_run(struct lh_state *st, struct lh_message *m, char *err, size_t errlen);

/* Number of message hooks the state's generation registered. */
size_t lh_message_hooks(struct lh_state *st);

#endif
