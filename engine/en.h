/*
 * en.h - the journey runtime: run one step of one enrollment, return a decision
 *
 * Owns: what a journey step means (DESIGN.md 4.6, doc/tern-lua.md "Journey
 * steps"). Given an enrollment (journey, step, vars), the journey
 * definition, the contact, the triggering event and "now", en_step_run()
 * calls the step function j.<step>(c) in a leased Lua state and returns a
 * struct en_decision: one transition (wait, wait_for, go, exit) plus the
 * effects the step asked for (sends, attribute sets, score, emitted
 * events, the new vars). It writes nothing anywhere: the caller (the
 * in-memory simulator now, the PostgreSQL scheduler later) commits the
 * decision in its own way, which is what makes the runtime pure
 * (DESIGN.md 1, principle 4).
 *
 * Reads a step may do go through struct en_store (c:count, c:in_segment),
 * a table of function pointers the caller implements over its storage.
 *
 * The window: a step whose decision sends mail while the contact's local
 * time is outside the journey's window is not kept; the decision becomes
 * EN_DEFER with wake_at the window's next opening, where the caller runs
 * the same step again, so later waits count from the real send.
 *
 * Diagnostics: a script error, a time or memory limit, a step that chose
 * no transition or two, an unknown step name, or an unusable argument
 * gives an EN_ERROR decision whose `reason` is one line
 * "journeys/x.lua:12: c:go: journey \"x\" has no step \"nxt\"". The caller
 * parks that enrollment (and retries it with back-off); nothing else is
 * affected.
 *
 * Depends on: lua/lh.h, lua/lh_reg.h, lua/lh_json.h, lua/lh_duration.h,
 * lib/events (event type syntax), jansson. Thread-safe as far as the
 * leased state is (one thread per state); en_tz keeps a locked zone cache.
 */
#ifndef TERN_EN_H
#define TERN_EN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lua/lh.h"
#include "lua/lh_reg.h"

#define EN_VARS_MAX   (16u * 1024) /* bytes of c.vars as compact JSON */
#define EN_SENDS_MAX  16           /* c:send calls per step */
#define EN_EFFECT_MAX 64           /* c:set and c:emit calls per step */
#define EN_REASON_MAX 512          /* exit reasons and error lines */

/* The row the store keeps per contact and journey (DESIGN.md 1, principle 3). */
struct en_enrollment {
    const char *journey;
    const char *step;       /* the step to run next */
    const json_t *vars;     /* object; NULL: {} */
    const char *wait_event; /* waiting in c:wait_for for this event type, or NULL */
    const char *timed_out;  /* c:wait_for's timed_out step */
};

/* What a step may read from storage. Each returns 0, or -1 with a one-line err. */
/* Each returns 0, or -1 with err: a read that failed, which the script sees as nil, err;
 * or EN_STORE_SCRIPT_ERROR with err: the script asked for something that is not there, which
 * raises. */
#define EN_STORE_SCRIPT_ERROR (-2)
struct en_store_ops {
    /* Events of `type` for this contact at or after `since` (Unix seconds). */
    int (*count)(void *ctx, const char *type, int64_t since, int64_t *n, char *err, size_t errlen);
    /* Is the contact a member of segment `name` now? A name no script defines is a script
     * error. */
    int (*in_segment)(void *ctx, const char *name, bool *member, char *err, size_t errlen);
};

struct en_store {
    const struct en_store_ops *ops;
    void *ctx;
};

struct en_input {
    const struct lh_journey_info *journey;
    const struct en_enrollment *enr;
    const json_t *contact; /* object: email, id, tenant, timezone, attributes */
    const json_t *event;   /* {"type", "at", "data"} that woke the step, or NULL */
    int64_t now;           /* Unix seconds */
    const struct en_store *store;
};

enum en_kind {
    EN_WAIT,     /* run `next` at wake_at (c:wait, c:wait_until) */
    EN_WAIT_FOR, /* run `next` when wait_event arrives, `timed_out` at wake_at */
    EN_GO,       /* run `next` now */
    EN_EXIT,     /* the enrollment ends; `reason` may be NULL */
    EN_DEFER,    /* outside the window: run the same step again at wake_at */
    EN_ERROR,    /* park the enrollment; `reason` is "file:line: message" */
};

struct en_send {
    char *template_name;
    json_t *opts; /* object (c:send's second argument) or NULL */
};

struct en_set {
    char *attr;
    json_t *value;
};

struct en_emit {
    char *type;
    json_t *data; /* object */
};

struct en_decision {
    enum en_kind kind;
    char next[LH_REG_NAME_MAX + 1];
    char timed_out[LH_REG_NAME_MAX + 1];
    char *wait_event;
    int64_t wake_at;
    char *reason;
    struct en_send *sends;
    size_t nsends;
    struct en_set *sets;
    size_t nsets;
    struct en_emit *emits;
    size_t nemits;
    double score; /* sum of c:score deltas */
    json_t *vars; /* the vars to persist (object) */
};

/*
 * Run step `in->enr->step` of `in->journey` in the leased state `st`
 * (whose generation registered that journey) and fill `*d` (free it with
 * en_decision_free). 0 for a decision the caller commits, -1 for an
 * EN_ERROR decision (d->reason says why). Never raises, never exits.
 */
int en_step_run(struct lh_state *st, const struct en_input *in, struct en_decision *d);

void en_decision_free(struct en_decision *d);

/* The events a segment refresh writes for each contact that joins or leaves; data {"segment"}. */
#define EN_SEGMENT_ENTERED "segment.entered"
#define EN_SEGMENT_LEFT    "segment.left"

/*
 * Does `event` ({"type", "data", ...}) fire one of the journey's `which`
 * triggers ("entry", "exit" or "goal")? Event triggers of the same type
 * match, through their `where` filter when they have one (run in `st`
 * under the call limits); `in_segment "x"` matches a segment.entered
 * event whose data.segment is "x". 0, or -1 with "file:line: message" when a filter
 * fails (the event then does not match).
 */
int en_trigger_match(struct lh_state *st, const struct lh_journey_info *j, const char *which,
                     const json_t *event, bool *match, char *err, size_t errlen);

/*
 * Is `contact` a member of the Lua segment `segment` (its where function,
 * run in `st`)? 0, or -1 with err (a failing where, or an SQL segment).
 */
int en_segment_where(struct lh_state *st, const char *segment, const json_t *contact, bool *member,
                     char *err, size_t errlen);

/* "wait", "wait_for", ... for logs and the simulator. */
const char *en_kind_name(enum en_kind k);

/* Is `step` one of the journey's steps? (steps are sorted: binary search) */
bool en_journey_has_step(const struct lh_journey_info *j, const char *step);

#endif
