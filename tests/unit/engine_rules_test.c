/*
 * engine_rules_test.c - who may enter a journey, and when the caps allow a send
 *
 * en_may_enter and en_cap_free_at are pure: each test builds the journey,
 * policy and history it needs by hand.
 */
#include <string.h>

#include "engine/en_rules.h"
#include "tap.h"

#define DAY 86400

static struct lh_journey_info
journey(enum lh_reentry reentry, int64_t cooldown)
{
    return (struct lh_journey_info){.name = "j", .reentry = reentry, .cooldown_s = cooldown};
}

static void
first_entry_is_allowed(void)
{
    struct lh_journey_info j = journey(LH_REENTRY_NEVER, 0);
    struct en_history h = {0};
    ok(en_may_enter(&j, NULL, &h, 0), "a contact never enrolled may enter");
}

static void
no_entry_while_enrolled(void)
{
    struct lh_journey_info j = journey(LH_REENTRY_ALWAYS, 0);
    struct en_history h = {.active = true, .entered = true};
    ok(!en_may_enter(&j, NULL, &h, 0), "never twice at the same time, even with reentry always");
}

static void
cooldown_counts_from_the_end(void)
{
    struct lh_journey_info j = journey(LH_REENTRY_COOLDOWN, 30 * DAY);
    struct en_history h = {.entered = true, .ended_at = 10 * DAY};
    ok(!en_may_enter(&j, NULL, &h, 39 * DAY) && en_may_enter(&j, NULL, &h, 40 * DAY),
       "a 30d cool-down opens thirty days after the last end");
}

static void
tenant_scoped_journey(void)
{
    char *tenants[] = {"nl", "de"};
    struct lh_journey_info j = journey(LH_REENTRY_NEVER, 0);
    j.tenants = tenants, j.ntenants = 2;
    struct en_history h = {0};
    ok(en_may_enter(&j, "de", &h, 0) && !en_may_enter(&j, "fr", &h, 0) &&
           !en_may_enter(&j, NULL, &h, 0),
       "a journey for nl and de takes their contacts only (no tenant means default)");
}

static void
the_tightest_cap_decides(void)
{
    struct lh_cap caps[] = {{1, DAY}, {3, 7 * DAY}};
    struct lh_policy_info p = {.defined = true, .caps = caps, .ncaps = 2};
    struct lh_journey_info j = journey(LH_REENTRY_NEVER, 0);
    int64_t sends[] = {0, DAY + DAY / 2, 3 * DAY};
    const struct lh_cap *which;
    int64_t free_at = en_cap_free_at(&p, &j, sends, 3, 4 * DAY, &which);
    ok(free_at == 7 * DAY && which == &caps[1],
       "1/1d is free on day 4 but 3/7d holds until seven days after the first send");
}

static void
under_the_caps_sends_now(void)
{
    struct lh_cap caps[] = {{3, 7 * DAY}};
    struct lh_policy_info p = {.defined = true, .caps = caps, .ncaps = 1};
    struct lh_journey_info j = journey(LH_REENTRY_NEVER, 0);
    int64_t sends[] = {0, DAY};
    const struct lh_cap *which;
    ok(en_cap_free_at(&p, &j, sends, 2, 2 * DAY, &which) == 2 * DAY && !which,
       "two sends under a 3/7d cap: the third goes now");
}

static void
transactional_ignores_caps(void)
{
    struct lh_cap caps[] = {{1, DAY}};
    struct lh_policy_info p = {.defined = true, .caps = caps, .ncaps = 1};
    struct lh_journey_info j = journey(LH_REENTRY_NEVER, 0);
    j.category = LH_CATEGORY_TRANSACTIONAL;
    int64_t sends[] = {100};
    const struct lh_cap *which;
    ok(en_cap_free_at(&p, &j, sends, 1, 100, &which) == 100, "transactional mail is never capped");
}

int
main(void)
{
    first_entry_is_allowed();
    no_entry_while_enrolled();
    cooldown_counts_from_the_end();
    tenant_scoped_journey();
    the_tightest_cap_decides();
    under_the_caps_sends_now();
    transactional_ignores_caps();
    return tap_done();
}
