/*
 * en_sim.h - `tern simulate`: journeys for one contact on a virtual clock
 *
 * Owns: the timeline. Given the journeys a scripts tree registered, one
 * contact, a list of events at virtual times, a start and an end, it
 * delivers the events in time order, enters, wakes, exits and converts
 * enrollments exactly as the engine will, running every step through the
 * pure runtime (en.h) against the in-memory store (en_mem.h), and reports
 * one entry per thing that happened. Policy caps (`policy { caps = ... }`)
 * are applied to marketing sends; the higher-priority journey is served
 * first when several are due at the same instant.
 *
 * Differences from the engine, on purpose: a parked enrollment (error) is
 * reported once and not retried (a retry would fail the same way on a
 * virtual clock); SQL segments cannot be evaluated (c:in_segment on one
 * returns nil, err; they never cause an entry); c:set and c:score change
 * the in-memory contact (c:score adds to the attribute `score`), and Lua
 * segments are re-evaluated after each change; c:emit's events join the
 * timeline at the same instant; sends are logged as `email.sent` events
 * for c:count but trigger nothing.
 *
 * Depends on: en.h, en_mem.h, en_time.h, lua/lh.h, lua/lh_reg.h, jansson.
 */
#ifndef TERN_EN_SIM_H
#define TERN_EN_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "en.h"

struct en_sim_event {
    int64_t at; /* Unix seconds */
    char *type;
    json_t *data; /* object, or NULL for {} */
};

enum en_sim_kind {
    EN_SIM_ENTER,
    EN_SIM_STEP,
    EN_SIM_SEND,
    EN_SIM_WAIT,
    EN_SIM_EXIT,
    EN_SIM_GOAL,
    EN_SIM_CAPPED,
    EN_SIM_ERROR,
};

/* One line of the timeline; the strings live until the report returns. */
struct en_sim_entry {
    int64_t at;
    const char *journey;
    enum en_sim_kind kind;
    const char *step;          /* or NULL */
    const char *template_name; /* sends and capped sends, else NULL */
    const char *detail;        /* or NULL; an error's "file:line: message" */
};

typedef void (*en_sim_report)(void *ctx, const struct en_sim_entry *e);

struct en_sim_opts {
    json_t *contact;                   /* object (borrowed; copied) */
    const struct en_sim_event *events; /* any order */
    size_t nevents;
    int64_t start, end;   /* the clock runs over [start, end] */
    json_t **contact_out; /* or NULL; set to the contact as it ended up (a new reference) */
};

/*
 * Run the timeline in the leased state `st` of the generation that
 * registered `reg`. Script failures are timeline entries (kind error),
 * not failures of the run. 0, or -1 with err (out of memory).
 */
int en_sim_run(struct lh_state *st, const struct lh_reg *reg, const struct en_sim_opts *o,
               en_sim_report report, void *ctx, char *err, size_t errlen);

const char *en_sim_kind_name(enum en_sim_kind k);

/*
 * Parse --events: "TYPE@OFFSET[,TYPE@OFFSET...]" (offsets from `start`
 * such as 0, 90m, 3d) or "@FILE", a JSON array of
 * {"at": OFFSET or ISO 8601, "type": TYPE, "data": {...}}. 0, or -1 with
 * "FILE: [3].at: ..." or "--events: ..." in err. Free with en_sim_events_free.
 */
int en_sim_events_parse(const char *spec, int64_t start, struct en_sim_event **out, size_t *n,
                        char *err, size_t errlen);
void en_sim_events_free(struct en_sim_event *v, size_t n);

#endif
