/*
 * en_rules.c - entry and cap rules (see en_rules.h)
 */
#include "en_rules.h"

#include <string.h>

static bool
tenant_allowed(const struct lh_journey_info *j, const char *tenant)
{
    if (j->ntenants == 0) return true;
    for (size_t i = 0; i < j->ntenants; i++)
        if (strcmp(j->tenants[i], tenant ? tenant : "default") == 0) return true;
    return false;
}

bool
en_may_enter(const struct lh_journey_info *j, const char *tenant, const struct en_history *h,
             int64_t now)
{
    if (h->active || !tenant_allowed(j, tenant)) return false;
    if (!h->entered || j->reentry == LH_REENTRY_ALWAYS) return true;
    return j->reentry == LH_REENTRY_COOLDOWN && now >= h->ended_at + j->cooldown_s;
}

int64_t
en_cap_free_at(const struct lh_policy_info *p, const struct lh_journey_info *j,
               const int64_t *sends, size_t nsends, int64_t now, const struct lh_cap **which)
{
    int64_t free_at = now;
    *which = NULL;
    if (!p->defined || j->category != LH_CATEGORY_MARKETING) return free_at;
    for (size_t i = 0; i < p->ncaps; i++) {
        const struct lh_cap *c = &p->caps[i];
        if (c->count == 0 || nsends < c->count) continue;
        int64_t nth = sends[nsends - c->count]; /* the count-th latest send */
        if (nth + c->per_s > free_at) {
            free_at = nth + c->per_s;
            *which = c;
        }
    }
    return free_at;
}
