/*
 * lh_msg_test.c - the `hook "message"` calling convention, driven from C
 * with a fake message as the milter builds one
 *
 * Each tree under tests/lua/msg holds the hooks for one group of tests.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lua/lh.h"
#include "lua/lh_msg.h"
#include "tap.h"

static char err[4096];

static const char *
fixture(const char *name)
{
    static char path[PATH_MAX];
    const char *d = getenv("TERN_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/lua/msg/%s", d && *d ? d : ".", name);
    return path;
}

static struct lh_pool *
pool_for(const char *tree, unsigned call_ms, size_t mem_bytes)
{
    struct lh_limits lim;
    lh_limits_default(&lim);
    if (call_ms) lim.call_ms = call_ms;
    if (mem_bytes) lim.mem_bytes = mem_bytes;
    struct lh_pool *p = lh_pool_new(&lim, 1, err, sizeof err);
    if (p && lh_pool_reload(p, fixture(tree), err, sizeof err) < 0) diag("%s", err);
    return p;
}

/* The fake message: what the milter knows about one managed message. */
static const char *const rcpts[] = {"ann@example.com", "bob@example.com"};
static const struct lh_header hdrs[] = {
    {"Received", "from a"}, {"Subject", "Spring sale"},
    {"Received", "from b"}, {"X-Mailer", "shop 1.0"},
    {"X-Case", "-"},
};

static void
fake(struct lh_message *m, const char *xcase)
{
    static struct lh_header h[5];
    memcpy(h, hdrs, sizeof h);
    h[4].value = xcase ? xcase : "-";
    lh_message_init(m);
    m->envelope_from = "shop@example.com";
    m->recipients = rcpts;
    m->nrecipients = 2;
    m->headers = h;
    m->nheaders = 5;
    m->contact = json_pack("{s:s, s:I, s:s}", "email", "ann@example.com", "id", (json_int_t)42,
                           "first_name", "Ann");
    m->data = json_pack("{s:i}", "order", 1042);
    m->message_id = "0b9f3c1e-2f4a-4c55-9a1e-7d3b2a1c0e9f";
    m->journey = "welcome";
    m->step = "start";
    m->template_name = "welcome-1";
    json_object_set_new(m->view, "kept", json_string("from the milter"));
}

static void
unfake(struct lh_message *m)
{
    json_decref(m->contact);
    json_decref(m->data);
    lh_message_free(m);
}

/* Run the hooks of `p` on `m`; 0 or -1 with err. */
static int
run(struct lh_pool *p, struct lh_message *m)
{
    struct lh_state *st = lh_lease(p, err, sizeof err);
    if (!st) return -1;
    int rc = lh_message_run(st, m, err, sizeof err);
    lh_release(st);
    return rc;
}

static const char *
view_str(const struct lh_message *m, const char *key)
{
    return json_string_value(json_object_get(m->view, key));
}

static void
every_field_is_visible(void)
{
    struct lh_pool *p = pool_for("fields", 0, 0);
    struct lh_message m;
    fake(&m, NULL);
    ok(run(p, &m) == 0, "the hook runs");
    is_str(view_str(&m, "category"), "marketing", "m.category");
    is_str(view_str(&m, "from"), "shop@example.com", "m.envelope.from");
    json_t *to = json_object_get(m.view, "to");
    ok(json_array_size(to) == 2 &&
           strcmp(json_string_value(json_array_get(to, 1)), "bob@example.com") == 0,
       "m.envelope.to lists the recipients");
    is_str(view_str(&m, "subject"), "Spring sale", "m.headers[name]");
    is_str(view_str(&m, "subject_any_case"), "Spring sale", "header names ignore case");
    json_t *rcv = json_object_get(m.view, "received");
    ok(json_array_size(rcv) == 2 &&
           strcmp(json_string_value(json_array_get(rcv, 1)), "from b") == 0,
       "m:header_all returns every value in order");
    ok(json_is_true(json_object_get(m.view, "missing_header")), "a missing header is nil");
    is_str(view_str(&m, "first_name"), "Ann", "m.contact");
    is_int(json_integer_value(json_object_get(m.view, "order")), 1042, "m.data");
    ok(json_is_true(json_object_get(m.view, "clicks")) &&
           json_is_true(json_object_get(m.view, "opens")),
       "m.track starts as the milter set it");
    is_str(view_str(&m, "message_id"), "0b9f3c1e-2f4a-4c55-9a1e-7d3b2a1c0e9f", "m.message_id");
    is_str(view_str(&m, "journey"), "welcome", "m.journey");
    is_str(view_str(&m, "step"), "start", "m.step");
    is_str(view_str(&m, "template"), "welcome-1", "m.template");
    is_str(view_str(&m, "kept"), "from the milter", "m.view starts with the milter's view");
    unfake(&m);
    lh_pool_free(p);
}

static void
absent_contact_and_data_are_nil(void)
{
    struct lh_pool *p = pool_for("fields", 0, 0);
    struct lh_message m;
    fake(&m, NULL);
    json_decref(m.contact), json_decref(m.data);
    m.contact = m.data = NULL;
    m.journey = NULL;
    ok(run(p, &m) == 0, "the hook runs without contact and data");
    ok(!json_object_get(m.view, "first_name") && !json_object_get(m.view, "order"),
       "m.contact and m.data are nil");
    ok(!json_object_get(m.view, "journey"), "m.journey is nil when unknown");
    unfake(&m);
    lh_pool_free(p);
}

static void
methods_and_writable_fields_take_effect(void)
{
    struct lh_pool *p = pool_for("edits", 0, 0);
    struct lh_message m;
    fake(&m, NULL);
    ok(run(p, &m) == 0, "the hook runs");
    is_int(m.nedits, 2, "two header edits");
    if (m.nedits == 2) {
        ok(!m.edits[0].remove && strcmp(m.edits[0].name, "X-Campaign") == 0 &&
               strcmp(m.edits[0].value, "spring") == 0,
           "m:add_header adds name: value");
        ok(m.edits[1].remove && strcmp(m.edits[1].name, "X-Mailer") == 0,
           "m:remove_header removes by name, in order");
    }
    is_str(m.category, "transactional", "m.category is read back");
    ok(m.track_clicks && !m.track_opens, "m.track.opens = false is read back");
    is_str(view_str(&m, "greeting"), "Hello Ann", "an assigned m.view replaces the view");
    ok(!json_object_get(m.view, "kept"), "assigning m.view drops the old view");
    is_int(m.action, LH_MSG_CONTINUE, "no verdict");
    unfake(&m);
    lh_pool_free(p);
}

static void
a_verdict_ends_the_run(void)
{
    struct lh_pool *p = pool_for("verdict", 0, 0);
    struct lh_message m;
    fake(&m, NULL);
    ok(run(p, &m) == 0, "the hooks run");
    is_int(m.action, LH_MSG_REJECT, "the hook's last verdict counts");
    is_str(m.reason, "no thanks", "with its reason");
    is_int(m.nedits, 0, "the hook after a verdict does not run");
    unfake(&m);
    lh_pool_free(p);
}

static void
hooks_run_in_registration_order(void)
{
    struct lh_pool *p = pool_for("order", 0, 0);
    struct lh_message m;
    fake(&m, NULL);
    ok(run(p, &m) == 0, "three hooks in two files");
    is_str(view_str(&m, "order"), "abc", "path order, then order within a file");
    unfake(&m);
    lh_pool_free(p);
}

/* The message after a failed run is the one before it. */
static void
unchanged(const struct lh_message *m, const char *what)
{
    ok(m->nedits == 0 && strcmp(m->category, "marketing") == 0 && m->track_opens &&
           m->action == LH_MSG_CONTINUE && !json_object_get(m->view, "x") &&
           strcmp(view_str(m, "kept"), "from the milter") == 0,
       "%s leaves the message unchanged", what);
}

static void
an_error_has_file_line_and_changes_nothing(void)
{
    struct lh_pool *p = pool_for("failing", 0, 0);
    struct lh_message m;
    fake(&m, NULL);
    ok(run(p, &m) < 0, "a failing hook fails the run");
    like(err, "hook.lua:6: attempt to index a nil value (local 't')", "with file:line");
    like(err, "stack traceback:", "and a traceback");
    unchanged(&m, "an error");
    unfake(&m);
    lh_pool_free(p);
}

static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
a_looping_hook_is_stopped_by_the_time_limit(void)
{
    struct lh_pool *p = pool_for("loop", 50, 0);
    struct lh_message m;
    fake(&m, NULL);
    double t0 = now_ms();
    ok(run(p, &m) < 0, "a hook that loops fails the run");
    double took = now_ms() - t0;
    like(err, "time limit exceeded (50 ms)", "as a time limit");
    ok(took < 50 + 100, "within the budget and 100 ms (took %.0f ms)", took);
    unchanged(&m, "the time limit");
    unfake(&m);
    fake(&m, NULL); /* the state serves the next message */
    ok(run(p, &m) < 0 && strstr(err, "time limit"), "the next message runs the hook again");
    unfake(&m);
    lh_pool_free(p);
}

static void
a_memory_bomb_is_stopped_by_the_memory_limit(void)
{
    struct lh_pool *p = pool_for("bomb", 5000, 8u << 20);
    struct lh_message m;
    fake(&m, NULL);
    ok(run(p, &m) < 0, "a hook that eats memory fails the run");
    like(err, "memory limit exceeded (8388608 bytes)", "as the memory limit");
    unchanged(&m, "the memory limit");
    unfake(&m);
    lh_pool_free(p);
}

static void
no_hooks_registered_changes_nothing(void)
{
    struct lh_pool *p = pool_for("none", 0, 0);
    struct lh_state *st = lh_lease(p, err, sizeof err);
    struct lh_message m;
    fake(&m, NULL);
    is_int(st ? lh_message_hooks(st) : 99, 0, "no message hooks");
    ok(st && lh_message_run(st, &m, err, sizeof err) == 0, "running none succeeds");
    unchanged(&m, "running no hooks");
    lh_release(st);
    unfake(&m);
    lh_pool_free(p);
}

static void
message_hooks_are_counted(void)
{
    struct lh_pool *p = pool_for("order", 0, 0);
    struct lh_state *st = lh_lease(p, err, sizeof err);
    is_int(st ? lh_message_hooks(st) : 0, 3, "three message hooks");
    lh_release(st);
    lh_pool_free(p);
}

/* Run the misuse hook with X-Case `c`: it must fail with `want`, changing nothing. */
static void
misuse(struct lh_pool *p, const char *c, const char *want, const char *name)
{
    struct lh_message m;
    fake(&m, c);
    ok(run(p, &m) < 0, "refused: %s", name);
    like(err, want, name);
    if (m.nedits || m.action != LH_MSG_CONTINUE) diag("the message changed after %s", c);
    unfake(&m);
}

static void
misuse_raises_errors(void)
{
    struct lh_pool *p = pool_for("misuse", 0, 0);
    misuse(p, "headers", "hook.lua:3: m.headers is read-only", "writing m.headers");
    misuse(p, "category", "hook.lua:4: m.category must be \"marketing\" or \"transactional\"",
           "a bad category");
    misuse(p, "control", "X-Tern-Data is a control header", "adding a control header");
    misuse(p, "newline", "may not contain line breaks", "a header value with CRLF");
    misuse(p, "badname", "\"Bad Name\" is not a header name", "a header name with a blank");
    misuse(p, "track", "m.track.clicks must be true or false", "a track switch that is no boolean");
    misuse(p, "unknown", "m.catgory: the message has no such field", "reading a misspelt field");
    misuse(p, "readonly", "m.journey cannot be changed", "writing a read-only field");
    misuse(p, "view", "m.view must be a table with string keys", "a list as the view");
    misuse(p, "viewfn", "m.view.f: a function cannot become JSON", "a function in the view");
    misuse(p, "edits", "more than 64 header edits", "too many header edits");
    lh_pool_free(p);
}

static void
a_message_kept_past_its_hook_is_gone(void)
{
    struct lh_pool *p = pool_for("kept", 0, 0);
    struct lh_message m;
    fake(&m, NULL);
    ok(run(p, &m) == 0, "the first message keeps m");
    unfake(&m);
    fake(&m, NULL);
    ok(run(p, &m) < 0, "using it with the next message fails");
    like(err, "hook.lua:4: m: the message is gone", "with the reason");
    unfake(&m);
    lh_pool_free(p);
}

int
main(void)
{
    every_field_is_visible();
    absent_contact_and_data_are_nil();
    methods_and_writable_fields_take_effect();
    a_verdict_ends_the_run();
    hooks_run_in_registration_order();
    an_error_has_file_line_and_changes_nothing();
    a_looping_hook_is_stopped_by_the_time_limit();
    a_memory_bomb_is_stopped_by_the_memory_limit();
    no_hooks_registered_changes_nothing();
    message_hooks_are_counted();
    misuse_raises_errors();
    a_message_kept_past_its_hook_is_gone();
    return tap_done();
}
