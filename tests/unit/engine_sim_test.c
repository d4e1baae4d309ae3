/*
 * engine_sim_test.c - the simulated timeline: entries, exits and goals from
 * any step, wait_for, reentry, the window, caps, and errors that park
 * only their own enrollment
 *
 * The journeys live in tests/lua/engine/sim (each enters on its own event
 * type), tests/lua/engine/caps (a policy with a 1/1d cap that defers)
 * and tests/lua/engine/skip (one that skips). Each test
 * runs one timeline and looks for entries "OFFSET KIND JOURNEY STEP
 * [TEMPLATE]", OFFSET in seconds since the start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/en_sim.h"
#include "engine/en_time.h"
#include "engine/en_tz.h"
#include "lua/lh.h"
#include "lua/lh_reg.h"
#include "engine_fixture.h"
#include "tap.h"

#define DAY 86400

static struct engine_tree sim, caps, skip;
static int64_t start;
static char lines[256][256];
static size_t nlines;
static char last_error[512];
static json_t *final_contact; /* the contact the last timeline ended with */

static void
collect(void *ctx, const struct en_sim_entry *e)
{
    (void)ctx;
    if (nlines == sizeof lines / sizeof *lines) return;
    snprintf(lines[nlines++], sizeof lines[0], "%lld %s %s %s%s%s", (long long)(e->at - start),
             en_sim_kind_name(e->kind), e->journey ? e->journey : "-", e->step ? e->step : "-",
             e->template_name ? " " : "", e->template_name ? e->template_name : "");
    if (e->kind == EN_SIM_ERROR) snprintf(last_error, sizeof last_error, "%s", e->detail);
}

/* Run `spec` (--events syntax) through tree `t` for `days` with `contact` (JSON text). */
static int
timeline(struct engine_tree *t, const char *spec, unsigned days, const char *contact)
{
    char err[512];
    struct en_sim_event *ev;
    size_t n;
    nlines = 0;
    last_error[0] = '\0';
    if (en_sim_events_parse(spec, start, &ev, &n, err, sizeof err) < 0) return -1;
    json_t *c = json_loads(contact ? contact : "{\"id\": 1}", 0, NULL);
    json_decref(final_contact);
    final_contact = NULL;
    struct en_sim_opts o = {.contact = c,
                            .events = ev,
                            .nevents = n,
                            .start = start,
                            .end = start + days * DAY,
                            .contact_out = &final_contact};
    int rc = en_sim_run(t->st, t->reg, &o, collect, NULL, err, sizeof err);
    json_decref(c);
    en_sim_events_free(ev, n);
    return rc;
}

static bool
has(const char *want)
{
    for (size_t i = 0; i < nlines; i++)
        if (strcmp(lines[i], want) == 0) return true;
    return false;
}

static size_t
count_kind(const char *kind_journey)
{
    size_t n = 0;
    for (size_t i = 0; i < nlines; i++) {
        const char *sp = strchr(lines[i], ' ');
        n += sp && strncmp(sp + 1, kind_journey, strlen(kind_journey)) == 0;
    }
    return n;
}

static void
show(void)
{
    for (size_t i = 0; i < nlines; i++)
        diag("  %s", lines[i]);
}

#define expect(cond, name)                                                                         \
    do {                                                                                           \
        if (!ok(cond, "%s", name)) show();                                                         \
    } while (0)

static void
wait_wakes_the_next_step(void)
{
    timeline(&sim, "a.start@0", 10, NULL);
    expect(has("0 send waiter start w1") && has("259200 send waiter later w2") &&
               has("259200 exit waiter later"),
           "entered on its event, sends, waits 3d, sends again and exits");
}

static void
exit_event_ends_a_waiting_enrollment(void)
{
    timeline(&sim, "a.start@0,a.stop@1d", 10, NULL);
    expect(has("86400 exit waiter start") && count_kind("send waiter") == 1,
           "an exit event during the wait ends it; the later step never runs");
}

static void
goal_event_converts_from_any_step(void)
{
    timeline(&sim, "a.start@0,a.buy@2d", 10, NULL);
    expect(has("172800 goal waiter start") && count_kind("send waiter") == 1,
           "a goal event during the wait counts as the goal and ends it, also when it is an exit too");
}

static void
wait_for_matched(void)
{
    timeline(&sim, "k.go@0,email.click@1d", 10, NULL);
    expect(has("86400 send clicky yes clicked") && count_kind("send clicky") == 1,
           "wait_for: the event within the timeout runs the matched step");
}

static void
wait_for_timed_out(void)
{
    timeline(&sim, "k.go@0,email.click@3d", 10, NULL);
    expect(has("172800 send clicky no not-clicked") && count_kind("send clicky") == 1,
           "wait_for: no event within the timeout runs the timed_out step");
}

static void
reentry_never(void)
{
    timeline(&sim, "r.go@0,r.go@1d,r.go@20d", 30, NULL);
    expect(count_kind("enter never") == 1, "reentry never: entered once");
}

static void
reentry_always(void)
{
    timeline(&sim, "r.go@0,r.go@1d,r.go@20d", 30, NULL);
    expect(count_kind("enter always") == 3, "reentry always: entered every time");
}

static void
reentry_cooldown(void)
{
    timeline(&sim, "r.go@0,r.go@1d,r.go@20d", 30, NULL);
    expect(count_kind("enter cool") == 2 && has("1728000 enter cool start"),
           "reentry 10d: not again after one day, again after twenty");
}

static void
window_defers_and_later_waits_count_from_the_send(void)
{
    /* 2026-01-05 is a Monday; 20:00 UTC is 21:00 in Berlin, after 17:00 */
    en_time_parse("2026-01-05T20:00:00Z", &start, NULL, 0);
    timeline(&sim, "q.go@0", 5, "{\"id\": 1, \"timezone\": \"Europe/Berlin\"}");
    int64_t open, base = start;
    en_time_parse("2026-01-06T09:00:00+01:00", &open, NULL, 0);
    char first[64], second[64];
    snprintf(first, sizeof first, "%lld send quiet start q1", (long long)(open - base));
    snprintf(second, sizeof second, "%lld send quiet next q2", (long long)(open + DAY - base));
    expect(has(first) && has(second),
           "the first send waits for 09:00 local; the 1d wait counts from that send");
    en_time_parse("2026-01-01T00:00:00Z", &start, NULL, 0);
}

static void
error_parks_only_that_enrollment(void)
{
    timeline(&sim, "b.go@0", 5, NULL);
    expect(has("0 error broken start") && has("0 send fine start fine"),
           "a failing step parks its enrollment; the other journey runs");
    like(last_error, "journeys.lua:", "the error carries the script's file:line");
}

static void
emitted_event_reaches_filtered_entry(void)
{
    timeline(&sim, "e.go@0", 5, NULL);
    expect(has("0 send listener start heard"),
           "c:emit's event joins the timeline and passes the entry's where filter");
}

static void
set_joins_lua_segment_and_enters(void)
{
    timeline(&sim, "m.go@1d", 5, NULL);
    expect(has("86400 enter seg start") && has("86400 send seg start warm-welcome"),
           "c:set makes the contact join a Lua segment: its in_segment journey enters");
}

static void
contact_out_holds_what_the_steps_set(void)
{
    timeline(&sim, "m.go@1d", 5, "{\"id\": 1, \"stage\": \"cold\"}");
    expect(json_is_string(json_object_get(final_contact, "stage")) &&
               strcmp(json_string_value(json_object_get(final_contact, "stage")), "warm") == 0,
           "the timeline hands back the contact as its steps changed it");
}

static void
segment_member_at_start_enters(void)
{
    timeline(&sim, "", 5, "{\"id\": 1, \"stage\": \"warm\"}");
    expect(has("0 enter seg start"), "a contact in the segment at the start enters at once");
}

/* What the engine's intake sees when a refresh in PostgreSQL adds the contact to a segment. */
static void
segment_entered_event_fires_in_segment_entry(void)
{
    const struct lh_journey_info *seg = NULL;
    for (size_t i = 0; i < sim.reg->njourneys; i++)
        if (strcmp(sim.reg->journeys[i].name, "seg") == 0) seg = &sim.reg->journeys[i];
    json_t *warm =
        json_pack("{s:s, s:{s:s}}", "type", "segment.entered", "data", "segment", "warm");
    json_t *cold =
        json_pack("{s:s, s:{s:s}}", "type", "segment.entered", "data", "segment", "cold");
    json_t *left = json_pack("{s:s, s:{s:s}}", "type", "segment.left", "data", "segment", "warm");
    char err[256];
    bool w = false, c = true, l = true;
    en_trigger_match(sim.st, seg, "entry", warm, &w, err, sizeof err);
    en_trigger_match(sim.st, seg, "entry", cold, &c, err, sizeof err);
    en_trigger_match(sim.st, seg, "entry", left, &l, err, sizeof err);
    ok(w && !c && !l, "in_segment \"warm\" fires on segment.entered of warm only");
    json_decref(warm), json_decref(cold), json_decref(left);
}

static void
cap_defers_the_lower_priority(void)
{
    timeline(&caps, "c.go@0", 5, NULL);
    expect(has("0 send high start high") && has("0 capped low start low") &&
               has("86400 send low start low"),
           "1/1d: the higher priority sends, the lower is deferred a day");
}

static void
cap_skip_drops_the_mail_and_goes_on(void)
{
    timeline(&skip, "n.go@0", 2, NULL);
    expect(has("0 send news start first") && has("0 capped news start second") &&
               has("3600 capped news later third") && has("3600 exit news later"),
           "on_cap skip: mail over the cap is dropped, the journey goes on");
}

static void
transactional_is_never_capped(void)
{
    timeline(&caps, "c.go@0", 5, NULL);
    expect(has("0 send receipt start receipt"), "transactional mail ignores the cap");
}

int
main(void)
{
    if (engine_tree_load(&sim, "sim", NULL) < 0 || engine_tree_load(&caps, "caps", NULL) < 0 ||
        engine_tree_load(&skip, "skip", NULL) < 0)
        return 1;
    en_time_parse("2026-01-01T00:00:00Z", &start, NULL, 0);
    wait_wakes_the_next_step();
    exit_event_ends_a_waiting_enrollment();
    goal_event_converts_from_any_step();
    wait_for_matched();
    wait_for_timed_out();
    reentry_never();
    reentry_always();
    reentry_cooldown();
    window_defers_and_later_waits_count_from_the_send();
    error_parks_only_that_enrollment();
    emitted_event_reaches_filtered_entry();
    set_joins_lua_segment_and_enters();
    contact_out_holds_what_the_steps_set();
    segment_member_at_start_enters();
    segment_entered_event_fires_in_segment_entry();
    cap_defers_the_lower_priority();
    cap_skip_drops_the_mail_and_goes_on();
    transactional_is_never_capped();
    json_decref(final_contact);
    engine_tree_free(&skip);
    engine_tree_free(&sim);
    engine_tree_free(&caps);
    en_tz_flush();
    return tap_done();
}
