/*
 * en_mem.h - the in-memory store of one contact for `tern simulate` and tests
 *
 * Owns: everything the PostgreSQL store will keep in tables, for one
 * contact and in process memory: the contact record, its event log, the
 * mail sent to it (for caps), its segment memberships, and one
 * enrollment per journey. It implements struct en_store (c:count,
 * c:in_segment) over that memory, so the runtime cannot tell it from the
 * database.
 *
 * Depends on: en.h, jansson.
 */
#ifndef TERN_EN_MEM_H
#define TERN_EN_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "en.h"
#include "en_rules.h"

struct en_mem_enrollment {
    const struct lh_journey_info *journey;
    struct en_history history;      /* enrolled now, ever entered, last end (en_may_enter) */
    bool parked;                    /* a step failed: waits for a retry, never woken here */
    char step[LH_REG_NAME_MAX + 1]; /* the step to run next */
    char last[LH_REG_NAME_MAX + 1]; /* the step that ran last, for reports */
    char timed_out[LH_REG_NAME_MAX + 1];
    char *wait_event; /* c:wait_for's event, or NULL */
    int64_t wake_at;  /* 0: not due on the clock */
    json_t *vars;     /* object */
    json_t *event;    /* the event a deferred step keeps seeing as c.event, or NULL */
};

struct en_mem_log {
    int64_t at;
    char *what; /* event type, or a send's category */
};

struct en_mem {
    json_t *contact; /* object, owned */
    struct en_mem_log *events, *sends;
    size_t nevents, nsends;
    int64_t *marketing; /* instants of the marketing sends, ascending (for caps) */
    size_t nmarketing;
    char **members; /* segments the contact is in */
    size_t nmembers;
    char **sql_segments; /* known but only evaluable in PostgreSQL */
    size_t nsql;
    struct en_mem_enrollment *enr; /* one per journey, in priority order */
    size_t nenr;
    struct en_store store; /* c:count and c:in_segment over this memory */
};

/* Take `contact` (a new reference); one idle enrollment per journey. 0 or -1 (no memory). */
int en_mem_init(struct en_mem *m, json_t *contact, const struct lh_reg *reg);
void en_mem_free(struct en_mem *m);

/* Append an event type, or a send and its category, at `at` (in time order). 0 or -1. */
int en_mem_log_event(struct en_mem *m, int64_t at, const char *type);
int en_mem_log_send(struct en_mem *m, int64_t at, const char *category);

/* Replace the membership list; `names` is copied. 0 or -1. */
int en_mem_set_members(struct en_mem *m, char *const *names, size_t n);
bool en_mem_is_member(const struct en_mem *m, const char *segment);

/* Forget an enrollment's wait, vars and kept event (before it starts again or ends). */
void en_mem_enr_reset(struct en_mem_enrollment *e);

#endif
