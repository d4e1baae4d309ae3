/*
 * engine_step_test.c - the pure journey runtime: every transition and effect
 * of the enrollment object `c`, and every way a step fails
 *
 * The journeys live in tests/lua/engine/steps: journey "t" has one step
 * per behaviour; each test runs one step with en_step_run() against a
 * fake store and checks the decision. Expected error lines are found in
 * the script text, so editing the fixture cannot silently break them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/en.h"
#include "engine/en_time.h"
#include "engine/en_tz.h"
#include "lua/lh.h"
#include "lua/lh_reg.h"
#include "engine_fixture.h"
#include "tap.h"

static struct engine_tree tree;
static json_t *contact;
static int64_t now;

/* "t.lua:N" of the first line of the fixture containing `text`. */
static const char *
where(const char *text)
{
    static char out[64];
    char line[512];
    FILE *f = fopen(engine_fixture("steps/t.lua"), "r");
    snprintf(out, sizeof out, "t.lua:?");
    for (int n = 1; f && fgets(line, sizeof line, f); n++)
        if (strstr(line, text)) {
            snprintf(out, sizeof out, "t.lua:%d:", n);
            break;
        }
    if (f) fclose(f);
    return out;
}

static const struct lh_journey_info *
journey(const char *name)
{
    for (size_t i = 0; i < tree.reg->njourneys; i++)
        if (strcmp(tree.reg->journeys[i].name, name) == 0) return &tree.reg->journeys[i];
    return NULL;
}

/* The fake store: 4 clicks in the last 7 days, member of "hot" only. */
static int64_t count_since;
static int
fake_count(void *ctx, const char *type, int64_t since, int64_t *n, char *err, size_t errlen)
{
    (void)ctx, (void)err, (void)errlen;
    count_since = since;
    *n = strcmp(type, "email.click") == 0 ? 4 : 0;
    return 0;
}
static int
fake_segment(void *ctx, const char *name, bool *member, char *err, size_t errlen)
{
    (void)ctx, (void)err, (void)errlen;
    *member = strcmp(name, "hot") == 0;
    return 0;
}
static const struct en_store_ops fake_ops = {fake_count, fake_segment};
static const struct en_store store = {&fake_ops, NULL};

/* Run step `step` of journey `j` with `vars` and `event` (JSON text or NULL). */
static int
run_full(const char *j, const char *step, const char *vars, const char *event,
         struct en_decision *d)
{
    json_t *v = vars ? json_loads(vars, 0, NULL) : NULL;
    json_t *ev = event ? json_loads(event, 0, NULL) : NULL;
    struct en_enrollment enr = {.journey = j, .step = step, .vars = v};
    struct en_input in = {journey(j), &enr, contact, ev, now, &store};
    int rc = en_step_run(tree.st, &in, d);
    json_decref(v);
    json_decref(ev);
    return rc;
}

static int
run(const char *step, struct en_decision *d)
{
    return run_full("t", step, NULL, NULL, d);
}

/* Step `step` fails: an error decision, one line, at the line holding `line_text`. */
static void
fails_with(const char *step, const char *line_text, const char *why, const char *name)
{
    struct en_decision d;
    int rc = run(step, &d);
    ok(rc < 0 && d.kind == EN_ERROR && d.nsends == 0 && !d.vars, "%s: an error decision", name);
    like(d.reason, where(line_text), name);
    like(d.reason, why, name);
    ok(d.reason && !strchr(d.reason, '\n'), "%s: one line", name);
    en_decision_free(&d);
}

/*
 * ---------------------------------------------------------------
 * transitions
 * ---------------------------------------------------------------
 */

static void
wait_wakes_after_the_duration(void)
{
    struct en_decision d;
    run("wait", &d);
    ok(d.kind == EN_WAIT && strcmp(d.next, "done") == 0 && d.wake_at == now + 2 * 86400,
       "c:wait(\"2d\", step) wakes `step` two days later");
    en_decision_free(&d);
}

static void
wait_until_applies_the_offset(void)
{
    struct en_decision d;
    int64_t opens;
    en_time_parse(json_string_value(json_object_get(contact, "opens_at")), &opens, NULL, 0);
    run("wait_until", &d);
    ok(d.kind == EN_WAIT && d.wake_at == opens - 3 * 86400 && strcmp(d.next, "done") == 0,
       "c:wait_until(ISO attribute, \"-3d\", step) wakes three days before the time");
    en_decision_free(&d);
}

static void
wait_until_takes_unix_seconds(void)
{
    struct en_decision d;
    run("wait_until_unix", &d);
    ok(d.kind == EN_WAIT && d.wake_at == 1769817600, "c:wait_until(Unix seconds, step)");
    en_decision_free(&d);
}

static void
wait_until_in_the_past_runs_now(void)
{
    struct en_decision d;
    run("wait_until_past", &d);
    ok(d.kind == EN_WAIT && d.wake_at == now, "a wait_until time in the past wakes at once");
    en_decision_free(&d);
}

static void
wait_for_names_event_matched_timeout(void)
{
    struct en_decision d;
    run("wait_for", &d);
    ok(d.kind == EN_WAIT_FOR && d.wait_event && strcmp(d.wait_event, "email.click") == 0 &&
           strcmp(d.next, "done") == 0 && strcmp(d.timed_out, "start") == 0 &&
           d.wake_at == now + 5 * 86400,
       "c:wait_for gives the event, the matched step, the timed_out step and the timeout");
    en_decision_free(&d);
}

static void
go_runs_the_next_step(void)
{
    struct en_decision d;
    run("go", &d);
    ok(d.kind == EN_GO && strcmp(d.next, "done") == 0, "c:go(step)");
    en_decision_free(&d);
}

static void
exit_carries_the_reason(void)
{
    struct en_decision d;
    run("exit", &d);
    ok(d.kind == EN_EXIT && d.reason && strcmp(d.reason, "prefers sms") == 0,
       "c:exit(reason) ends with the reason");
    en_decision_free(&d);
}

/*
 * ---------------------------------------------------------------
 * effects
 * ---------------------------------------------------------------
 */

static void
send_records_templates_and_options(void)
{
    struct en_decision d;
    run("send", &d);
    const char *code =
        d.nsends == 2
            ? json_string_value(json_object_get(json_object_get(d.sends[0].opts, "data"), "code"))
            : NULL;
    ok(d.nsends == 2 && strcmp(d.sends[0].template_name, "welcome-1") == 0 && code &&
           strcmp(code, "X1") == 0 && strcmp(d.sends[1].template_name, "welcome-2") == 0 &&
           !d.sends[1].opts,
       "c:send records each template in order, with its options");
    en_decision_free(&d);
}

static void
set_records_the_attribute(void)
{
    struct en_decision d;
    run("set", &d);
    ok(d.nsets == 1 && strcmp(d.sets[0].attr, "stage") == 0 &&
           strcmp(json_string_value(d.sets[0].value), "warm") == 0,
       "c:set(attr, value) records the change");
    en_decision_free(&d);
}

static void
set_shows_in_contact_within_the_step(void)
{
    struct en_decision d;
    run_full("t", "reads", NULL, "{\"type\": \"email.click\", \"data\": {\"link\": \"2\"}}", &d);
    en_decision_free(&d);
    run("set_mirrored", &d);
    ok(d.kind == EN_EXIT && d.reason && strcmp(d.reason, "hot") == 0,
       "c.contact read after c:set shows the new value");
    en_decision_free(&d);
}

static void
score_sums_the_deltas(void)
{
    struct en_decision d;
    run("score", &d);
    ok(d.score == 3, "c:score deltas add up");
    en_decision_free(&d);
}

static void
emit_records_type_and_data(void)
{
    struct en_decision d;
    run("emit", &d);
    ok(d.nemits == 1 && strcmp(d.emits[0].type, "lead.hot") == 0 &&
           json_integer_value(json_object_get(d.emits[0].data, "level")) == 3,
       "c:emit(type, data)");
    en_decision_free(&d);
}

static void
vars_persist_across_steps(void)
{
    struct en_decision d;
    run_full("t", "vars", "{\"n\": 41, \"keep\": true}", NULL, &d);
    ok(json_integer_value(json_object_get(d.vars, "n")) == 42 &&
           json_is_true(json_object_get(d.vars, "keep")),
       "c.vars starts from the enrollment's vars and comes back changed");
    en_decision_free(&d);
}

static void
vars_untouched_are_kept(void)
{
    struct en_decision d;
    run_full("t", "done", "{\"keep\": 1}", NULL, &d);
    ok(json_integer_value(json_object_get(d.vars, "keep")) == 1,
       "a step that does not touch c.vars keeps them");
    en_decision_free(&d);
}

static void
vars_can_be_replaced(void)
{
    struct en_decision d;
    run_full("t", "vars_assigned", "{\"old\": 1}", NULL, &d);
    ok(json_is_true(json_object_get(d.vars, "fresh")) && !json_object_get(d.vars, "old"),
       "assigning a table to c.vars replaces them");
    en_decision_free(&d);
}

static void
vars_must_be_a_table(void)
{
    fails_with("vars_number", "c.vars = 5", "c.vars must be a table, got number",
               "assigning a number to c.vars");
}

static void
vars_over_the_cap_are_an_error(void)
{
    struct en_decision d;
    int rc = run("vars_big", &d);
    ok(rc < 0 && d.kind == EN_ERROR, "c.vars over the size cap is an error decision");
    like(d.reason, "over the cap", "the reason names the cap");
    en_decision_free(&d);
}

static void
reads_contact_and_event(void)
{
    struct en_decision d;
    run_full("t", "reads", NULL, "{\"type\": \"email.click\", \"data\": {\"link\": \"2\"}}", &d);
    ok(d.kind == EN_EXIT && d.reason && strcmp(d.reason, "Ada 2") == 0,
       "c.contact and c.event are readable");
    en_decision_free(&d);
}

static void
count_goes_through_the_store(void)
{
    struct en_decision d;
    run("count", &d);
    ok(d.reason && strcmp(d.reason, "clicks 4") == 0 && count_since == now - 7 * 86400,
       "c:count(type, {since = \"7d\"}) asks the store from seven days ago");
    en_decision_free(&d);
}

static void
in_segment_goes_through_the_store(void)
{
    struct en_decision d;
    run("segment", &d);
    ok(d.reason && strcmp(d.reason, "true") == 0, "c:in_segment(name) asks the store");
    en_decision_free(&d);
}

/*
 * ---------------------------------------------------------------
 * failures: an error decision with file:line
 * ---------------------------------------------------------------
 */

static void
script_error_carries_file_line(void)
{
    fails_with("fails", "error(\"boom\")", "boom", "a script error");
}

static void
no_transition_is_an_error(void)
{
    fails_with("nothing", "function j.nothing", "returned no transition",
               "a step returning nothing");
}

static void
unknown_step_is_an_error(void)
{
    fails_with("unknown", "c:go(\"nowhere\")", "has no step \"nowhere\"", "an unknown step");
}

static void
second_transition_is_an_error(void)
{
    fails_with("twice", "c:go(\"done\") return c:exit()", "already chose c:go", "two transitions");
}

static void
endless_loop_hits_the_time_limit(void)
{
    fails_with("loops", "while true do end", "time limit", "a step that loops");
}

static void
unbounded_allocation_hits_the_memory_limit(void)
{
    fails_with("hogs", "function j.hogs", "memory limit exceeded",
               "a step that allocates without bound (at the step's own line)");
}

static void
template_name_with_a_path_is_refused(void)
{
    fails_with("bad_template", "c:send(\"../secrets\")", "is not a template name",
               "a template name reaching outside the templates");
}

static void
identity_attributes_are_not_settable(void)
{
    fails_with("set_email", "c:set(\"email\"", "email cannot be changed by a journey",
               "c:set of the contact's email");
}

static void
wait_for_needs_a_timeout(void)
{
    fails_with("wait_for_no_timeout", "function j.wait_for_no_timeout", "the options need timeout",
               "c:wait_for without a timeout");
}

static void
misspelt_options_are_errors(void)
{
    fails_with("send_misspelt", "c:send(\"welcome\", { dat",
               "c:send: unknown option \"dat\" (it takes data)",
               "misspelt_options_are_errors: c:send");
    fails_with("wait_for_misspelt", "function j.wait_for_misspelt",
               "c:wait_for: unknown option \"timeut\"", "misspelt_options_are_errors: c:wait_for");
}

static void
time_out_of_range_is_an_error(void)
{
    fails_with("wait_until_far", "math.maxinteger", "between 1970 and 9999",
               "a wait_until time past year 9999");
}

static void
missing_step_is_an_error(void)
{
    struct en_decision d;
    int rc = run("vanished", &d);
    ok(rc < 0 && d.kind == EN_ERROR, "a step the journey no longer has: an error decision");
    like(d.reason, "t.lua:3: journey \"t\" has no step \"vanished\"",
         "it names the journey's definition");
    en_decision_free(&d);
}

static void
state_is_usable_after_a_failure(void)
{
    struct en_decision d;
    run("fails", &d);
    en_decision_free(&d);
    run("go", &d);
    ok(d.kind == EN_GO, "the next step in the same state runs normally");
    en_decision_free(&d);
}

/*
 * ---------------------------------------------------------------
 * the window
 * ---------------------------------------------------------------
 */

static void
send_outside_window_defers_to_opening(void)
{
    struct en_decision d;
    int64_t evening, opening;
    en_time_parse("2026-01-05T21:00:00Z", &evening, NULL, 0);      /* Monday, 22:00 in Berlin */
    en_time_parse("2026-01-06T08:00:00+01:00", &opening, NULL, 0); /* Tuesday 08:00 there */
    int64_t saved = now;
    now = evening;
    run_full("win", "start", NULL, NULL, &d);
    ok(d.kind == EN_DEFER && d.wake_at == opening && d.nsends == 0,
       "a sending step outside the window is deferred to its next opening, effects dropped");
    en_decision_free(&d);
    now = opening;
    run_full("win", "start", NULL, NULL, &d);
    ok(d.kind == EN_WAIT && d.nsends == 1 && d.wake_at == opening + 86400,
       "run at the opening it sends, and its wait counts from the real send");
    en_decision_free(&d);
    now = evening;
    run_full("win", "silent", NULL, NULL, &d);
    ok(d.kind == EN_EXIT, "a step that sends nothing runs outside the window");
    en_decision_free(&d);
    now = saved;
}

static void
window_skips_closed_days(void)
{
    struct en_decision d;
    int64_t friday, monday;
    en_time_parse("2026-01-09T19:30:00Z", &friday, NULL, 0); /* 20:30 in Berlin */
    en_time_parse("2026-01-12T08:00:00+01:00", &monday, NULL, 0);
    int64_t saved = now;
    now = friday;
    run_full("win", "start", NULL, NULL, &d);
    ok(d.kind == EN_DEFER && d.wake_at == monday, "mon-fri: Friday evening waits for Monday");
    en_decision_free(&d);
    now = saved;
}

static void
unknown_timezone_is_an_error(void)
{
    struct en_decision d;
    int64_t evening;
    en_time_parse("2026-01-05T21:00:00Z", &evening, NULL, 0);
    int64_t saved = now;
    now = evening;
    json_object_set_new(contact, "timezone", json_string("Mars/Olympus"));
    int rc = run_full("win", "start", NULL, NULL, &d);
    ok(rc < 0 && d.kind == EN_ERROR, "an unknown contact.timezone parks the enrollment");
    like(d.reason, "Mars/Olympus", "the reason names the zone");
    en_decision_free(&d);
    json_object_set_new(contact, "timezone", json_string("Europe/Berlin"));
    now = saved;
}

static int
setup(void)
{
    struct lh_limits lim;
    lh_limits_default(&lim);
    lim.call_ms = 200;         /* the endless loop; ample for the memory bomb */
    lim.mem_bytes = 16u << 20; /* the step that allocates without bound */
    if (engine_tree_load(&tree, "steps", &lim) < 0) return -1;
    contact =
        json_pack("{s:i, s:s, s:s, s:s, s:s}", "id", 7, "email", "ada@example.com", "first_name",
                  "Ada", "timezone", "Europe/Berlin", "opens_at", "2026-03-01T10:00:00Z");
    en_time_parse("2026-01-01T12:00:00Z", &now, NULL, 0);
    return 0;
}

int
main(void)
{
    if (setup() < 0) return 1;
    wait_wakes_after_the_duration();
    wait_until_applies_the_offset();
    wait_until_takes_unix_seconds();
    wait_until_in_the_past_runs_now();
    wait_for_names_event_matched_timeout();
    go_runs_the_next_step();
    exit_carries_the_reason();
    send_records_templates_and_options();
    set_records_the_attribute();
    set_shows_in_contact_within_the_step();
    score_sums_the_deltas();
    emit_records_type_and_data();
    vars_persist_across_steps();
    vars_untouched_are_kept();
    vars_can_be_replaced();
    vars_must_be_a_table();
    vars_over_the_cap_are_an_error();
    reads_contact_and_event();
    count_goes_through_the_store();
    in_segment_goes_through_the_store();
    script_error_carries_file_line();
    no_transition_is_an_error();
    unknown_step_is_an_error();
    second_transition_is_an_error();
    endless_loop_hits_the_time_limit();
    unbounded_allocation_hits_the_memory_limit();
    template_name_with_a_path_is_refused();
    identity_attributes_are_not_settable();
    wait_for_needs_a_timeout();
    misspelt_options_are_errors();
    time_out_of_range_is_an_error();
    missing_step_is_an_error();
    state_is_usable_after_a_failure();
    send_outside_window_defers_to_opening();
    window_skips_closed_days();
    unknown_timezone_is_an_error();
    json_decref(contact);
    engine_tree_free(&tree);
    en_tz_flush();
    return tap_done();
}
