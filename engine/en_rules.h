/*
 * en_rules.h - the journey rules that sit around steps: who may enter, what caps allow
 *
 * Owns: the reentry and tenant rule for entries and the policy's caps
 * rule for marketing sends, as pure functions of what the caller's store
 * knows (the contact's last enrollment, the instants of its recent
 * marketing sends). The simulator calls them on memory; the PostgreSQL
 * scheduler calls them on what it selected in the same transaction.
 *
 * Depends on: lua/lh_reg.h only.
 */
#ifndef TERN_EN_RULES_H
#define TERN_EN_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lua/lh_reg.h"

/* What the store knows of the contact's past in one journey. */
struct en_history {
    bool active;      /* enrolled now */
    bool entered;     /* ever entered */
    int64_t ended_at; /* when the last enrollment ended */
};

/*
 * May a contact of `tenant` (NULL: "default") enter `j` at `now`? Never
 * while enrolled; not when the journey is for other tenants; again after
 * an end only with reentry "always", or once the cool-down has passed.
 */
bool en_may_enter(const struct lh_journey_info *j, const char *tenant, const struct en_history *h,
                  int64_t now);

/*
 * When the caps of `p` next allow one more send of `j`: `now` when they
 * do (always for transactional journeys and without a policy), else the
 * first instant they will. `sends` are the contact's marketing sends,
 * ascending (only the last max(cap count) matter). *which gets the cap
 * that holds the send, or NULL.
 */
int64_t en_cap_free_at(const struct lh_policy_info *p, const struct lh_journey_info *j,
                       const int64_t *sends, size_t nsends, int64_t now,
                       const struct lh_cap **which);

#endif
