/*
 * en_sim.c - the simulated timeline: events, wakes, entries and exits in order
 *
 * One loop: take whichever comes first, the next event or the earliest
 * due enrollment (events first at the same instant, so a wait_for sees
 * an event that arrives exactly at its timeout), and settle it through
 * the pure runtime. Everything the engine will keep in PostgreSQL lives in
 * struct en_mem; this file only decides order and reports.
 */
#include "en_sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "en_mem.h"
#include "en_rules.h"
#include "en_time.h"
#include "lua/lh_duration.h"

#define GO_MAX   32     /* c:go hops within one wake */
#define ITER_MAX 100000 /* timeline entries before the run is stopped */

struct sim {
    struct lh_state *st;
    const struct lh_reg *reg;
    struct en_mem mem;
    struct en_sim_event *queue; /* pending, in time order; queue[head..n) */
    size_t head, n, cap;
    int64_t now, start, end;
    unsigned long iterations;
    en_sim_report report;
    void *ctx;
    bool oom;
};

static const char *const kind_names[] = {"enter", "step", "send",   "wait",
                                         "exit",  "goal", "capped", "error"};

const char *
en_sim_kind_name(enum en_sim_kind k)
{
    return k <= EN_SIM_ERROR ? kind_names[k] : "?";
}

static void
say(struct sim *s, const struct lh_journey_info *j, enum en_sim_kind kind, const char *step,
    const char *tpl, const char *detail)
{
    struct en_sim_entry e = {s->now, j ? j->name : NULL, kind, step, tpl, detail};
    s->report(s->ctx, &e);
}

/*
 * ---------------------------------------------------------------
 * the event queue
 * ---------------------------------------------------------------
 */

/* Queue an event (taking `type` and `data`) after every event at or before its time. */
static int
enqueue(struct sim *s, int64_t at, char *type, json_t *data)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct en_sim_event *q = realloc(s->queue, cap * sizeof *q);
        if (!q) {
            free(type), json_decref(data);
            return -1;
        }
        s->queue = q, s->cap = cap;
    }
    size_t i = s->n;
    while (i > s->head && s->queue[i - 1].at > at)
        i--;
    memmove(&s->queue[i + 1], &s->queue[i], (s->n - i) * sizeof *s->queue);
    s->queue[i] = (struct en_sim_event){at, type, data};
    s->n++;
    return 0;
}

static json_t *
event_object(const struct en_sim_event *ev)
{
    char at[32];
    en_time_format(ev->at, at, sizeof at);
    json_t *data = ev->data ? json_incref(ev->data) : json_object();
    return json_pack("{s:s, s:s, s:o}", "type", ev->type, "at", at, "data", data);
}

/*
 * ---------------------------------------------------------------
 * settling a decision
 * ---------------------------------------------------------------
 */

static const char *
category(const struct lh_journey_info *j)
{
    return j->category == LH_CATEGORY_TRANSACTIONAL ? "transactional" : "marketing";
}

static int64_t
cap_free_at(const struct sim *s, const struct lh_journey_info *j, const struct lh_cap **which)
{
    return en_cap_free_at(&s->reg->policy, j, s->mem.marketing, s->mem.nmarketing, s->now, which);
}

static void
cap_text(const struct lh_cap *c, char *out, size_t outlen)
{
    char per[32];
    lh_duration_format(c->per_s, per, sizeof per);
    snprintf(out, outlen, "cap %u/%s", c->count, per);
}

/* Run the same step again at `at`, still seeing `ev` as c.event. */
static void
defer(struct en_mem_enrollment *e, const json_t *ev, int64_t at)
{
    json_decref(e->event);
    e->event = ev ? json_incref((json_t *)ev) : NULL;
    e->wake_at = at;
}

static void
append_json(struct buf *b, const json_t *v)
{
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    buf_puts(b, text ? text : "?");
    free(text);
}

/* "set stage=\"warm\"; score +5; emit lead.hot" for the step's line. */
static void
effects_text(const struct en_decision *d, struct buf *b)
{
    for (size_t i = 0; i < d->nsets; i++) {
        buf_printf(b, "%sset %s=", b->len ? "; " : "", d->sets[i].attr);
        append_json(b, d->sets[i].value);
    }
    if (d->score != 0) buf_printf(b, "%sscore %+g", b->len ? "; " : "", d->score);
    for (size_t i = 0; i < d->nemits; i++)
        buf_printf(b, "%semit %s", b->len ? "; " : "", d->emits[i].type);
}

static void
apply_contact(struct sim *s, const struct en_decision *d)
{
    json_t *c = s->mem.contact;
    for (size_t i = 0; i < d->nsets; i++) {
        if (json_is_null(d->sets[i].value))
            json_object_del(c, d->sets[i].attr);
        else
            s->oom |= json_object_set(c, d->sets[i].attr, d->sets[i].value) < 0;
    }
    if (d->score == 0) return;
    double score = json_number_value(json_object_get(c, "score")) + d->score;
    json_t *v = score == floor(score) && fabs(score) < 9e15 ? json_integer((json_int_t)score)
                                                            : json_real(score);
    s->oom |= !v || json_object_set_new(c, "score", v) < 0;
}

static void
do_sends(struct sim *s, struct en_mem_enrollment *e, const struct en_decision *d)
{
    const struct lh_journey_info *j = e->journey;
    char detail[128];
    for (size_t i = 0; i < d->nsends; i++) {
        const struct lh_cap *cap;
        const char *tpl = d->sends[i].template_name;
        if (cap_free_at(s, j, &cap) > s->now) { /* a second send of one step over the cap */
            char ct[48];
            cap_text(cap, ct, sizeof ct);
            snprintf(detail, sizeof detail, "%s: skipped", ct);
            say(s, j, EN_SIM_CAPPED, e->step, tpl, detail);
            continue;
        }
        snprintf(detail, sizeof detail, "%s, priority %d", category(j), j->priority);
        say(s, j, EN_SIM_SEND, e->step, tpl, detail);
        s->oom |= en_mem_log_send(&s->mem, s->now, category(j)) < 0;
        s->oom |= en_mem_log_event(&s->mem, s->now, "email.sent") < 0;
    }
}

static void
do_emits(struct sim *s, struct en_decision *d)
{
    for (size_t i = 0; i < d->nemits; i++) {
        s->oom |= enqueue(s, s->now, d->emits[i].type, d->emits[i].data) < 0;
        d->emits[i].type = NULL, d->emits[i].data = NULL; /* the queue owns them now */
    }
}

static void
end_enrollment(struct sim *s, struct en_mem_enrollment *e, enum en_sim_kind kind,
               const char *detail)
{
    say(s, e->journey, kind, e->last, NULL, detail);
    en_mem_enr_reset(e);
    e->history.active = false, e->parked = false;
    e->history.ended_at = s->now;
}

static void
wait_detail(const struct en_decision *d, int64_t now, char *out, size_t outlen)
{
    char at[32], span[32] = "now";
    en_time_format(d->wake_at, at, sizeof at);
    if (d->wake_at > now) lh_duration_format(d->wake_at - now, span, sizeof span);
    if (d->kind == EN_WAIT_FOR)
        snprintf(out, outlen, "for %s until %s (%s): %s, else %s", d->wait_event, at, span, d->next,
                 d->timed_out);
    else
        snprintf(out, outlen, "until %s (%s), then %s", at, span, d->next);
}

/* Apply the transition; true when the next step runs at once (c:go). */
static bool
transition(struct sim *s, struct en_mem_enrollment *e, struct en_decision *d)
{
    char detail[256];
    switch (d->kind) {
    case EN_GO: snprintf(e->step, sizeof e->step, "%s", d->next); return true;
    case EN_EXIT: end_enrollment(s, e, EN_SIM_EXIT, d->reason); return false;
    default:
        wait_detail(d, s->now, detail, sizeof detail);
        say(s, e->journey, EN_SIM_WAIT, e->last, NULL, detail);
        if (d->kind == EN_WAIT_FOR) {
            e->wait_event = d->wait_event, d->wait_event = NULL;
            snprintf(e->timed_out, sizeof e->timed_out, "%s", d->timed_out);
        }
        snprintf(e->step, sizeof e->step, "%s", d->next);
        e->wake_at = d->wake_at;
        return false;
    }
}

static void refresh_segments(struct sim *s);

/* Settle one decision; true when the enrollment goes on at once (c:go). */
static bool
settle(struct sim *s, struct en_mem_enrollment *e, struct en_decision *d, const json_t *ev)
{
    char detail[256];
    const struct lh_cap *cap;
    int64_t free_at;
    if (d->kind == EN_ERROR) {
        say(s, e->journey, EN_SIM_ERROR, e->step, NULL, d->reason ? d->reason : "out of memory");
        e->parked = true; /* the engine retries with back-off; here it would fail again */
        return false;
    }
    if (d->kind == EN_DEFER) {
        char at[32];
        en_time_format(d->wake_at, at, sizeof at);
        snprintf(detail, sizeof detail, "outside the window: runs again %s", at);
        say(s, e->journey, EN_SIM_WAIT, e->step, NULL, detail);
        defer(e, ev, d->wake_at);
        return false;
    }
    if (d->nsends && s->reg->policy.on_cap == LH_ON_CAP_DEFER &&
        (free_at = cap_free_at(s, e->journey, &cap)) > s->now) {
        char ct[48], at[32];
        cap_text(cap, ct, sizeof ct);
        en_time_format(free_at, at, sizeof at);
        snprintf(detail, sizeof detail, "%s: step runs again %s", ct, at);
        say(s, e->journey, EN_SIM_CAPPED, e->step, d->sends[0].template_name, detail);
        defer(e, ev, free_at);
        return false;
    }
    struct buf fx = {0};
    effects_text(d, &fx);
    say(s, e->journey, EN_SIM_STEP, e->step, NULL, fx.len ? buf_str(&fx) : NULL);
    buf_free(&fx);
    do_sends(s, e, d);
    apply_contact(s, d);
    json_decref(e->vars);
    e->vars = d->vars, d->vars = NULL;
    do_emits(s, d);
    bool go = transition(s, e, d);
    if (d->nsets || d->score != 0) refresh_segments(s);
    return go;
}

/* Run the enrollment's current step, and the steps it goes on to with c:go. */
static void
run_steps(struct sim *s, struct en_mem_enrollment *e, const json_t *ev)
{
    for (int hop = 0; e->history.active && !e->parked && !s->oom; hop++) {
        if (hop == GO_MAX || ++s->iterations > ITER_MAX) {
            char why[160];
            snprintf(why, sizeof why, "%s:%d: journey \"%s\": more than %d steps in a row",
                     e->journey->file, e->journey->line, e->journey->name,
                     hop == GO_MAX ? GO_MAX : ITER_MAX);
            say(s, e->journey, EN_SIM_ERROR, e->step, NULL, why);
            e->parked = true;
            return;
        }
        struct en_enrollment row = {e->journey->name, e->step, e->vars, e->wait_event,
                                    e->timed_out};
        struct en_input in = {e->journey, &row, s->mem.contact, ev, s->now, &s->mem.store};
        struct en_decision d;
        e->wake_at = 0;
        memcpy(e->last, e->step, sizeof e->last);
        en_step_run(s->st, &in, &d);
        bool go = settle(s, e, &d, ev);
        en_decision_free(&d);
        if (!go) return;
    }
}

/*
 * ---------------------------------------------------------------
 * entries, exits, wakes
 * ---------------------------------------------------------------
 */

static void
enter(struct sim *s, struct en_mem_enrollment *e, const json_t *ev, const char *why)
{
    const char *tenant = json_string_value(json_object_get(s->mem.contact, "tenant"));
    if (!en_may_enter(e->journey, tenant, &e->history, s->now)) return;
    en_mem_enr_reset(e);
    e->history.active = true, e->history.entered = true, e->parked = false;
    snprintf(e->step, sizeof e->step, "start");
    if (!(e->vars = json_object())) s->oom = true;
    say(s, e->journey, EN_SIM_ENTER, "start", NULL, why);
    run_steps(s, e, ev);
}

/* A filter error is the journey's error; the event then does not match. */
static bool
fires(struct sim *s, struct en_mem_enrollment *e, const char *which, const json_t *ev)
{
    char err[EN_REASON_MAX];
    bool match;
    if (en_trigger_match(s->st, e->journey, which, ev, &match, err, sizeof err) == 0) return match;
    say(s, e->journey, EN_SIM_ERROR, e->history.active ? e->last : NULL, NULL, err);
    return false;
}

static void
deliver(struct sim *s, const struct en_sim_event *raw)
{
    char on[96];
    json_t *ev = event_object(raw);
    s->oom |= !ev || en_mem_log_event(&s->mem, s->now, raw->type) < 0;
    snprintf(on, sizeof on, "on %s", raw->type);
    for (size_t i = 0; ev && i < s->mem.nenr && !s->oom; i++) {
        struct en_mem_enrollment *e = &s->mem.enr[i];
        if (!e->history.active) {
            if (fires(s, e, "entry", ev)) enter(s, e, ev, on);
        } else if (fires(s, e, "goal", ev)) { /* before exit: an event that is both converts */
            end_enrollment(s, e, EN_SIM_GOAL, on);
        } else if (fires(s, e, "exit", ev)) {
            end_enrollment(s, e, EN_SIM_EXIT, on);
        } else if (e->wait_event && !e->parked && strcmp(e->wait_event, raw->type) == 0) {
            free(e->wait_event);
            e->wait_event = NULL;
            run_steps(s, e, ev);
        }
    }
    json_decref(ev);
}

static void
wake(struct sim *s, struct en_mem_enrollment *e)
{
    json_t *ev = e->event;
    e->event = NULL;
    if (e->wait_event) { /* c:wait_for timed out */
        free(e->wait_event);
        e->wait_event = NULL;
        snprintf(e->step, sizeof e->step, "%s", e->timed_out);
    }
    run_steps(s, e, ev);
    json_decref(ev);
}

/* The earliest due enrollment; the higher priority first at the same instant. */
static struct en_mem_enrollment *
next_due(struct sim *s)
{
    struct en_mem_enrollment *best = NULL;
    for (size_t i = 0; i < s->mem.nenr; i++) {
        struct en_mem_enrollment *e = &s->mem.enr[i];
        if (e->history.active && !e->parked && e->wake_at && (!best || e->wake_at < best->wake_at))
            best = e;
    }
    return best;
}

/*
 * ---------------------------------------------------------------
 * segments
 * ---------------------------------------------------------------
 */

static bool
enters_on_segment(const struct lh_journey_info *j, const char *segment)
{
    for (size_t i = 0; i < j->entry.n; i++)
        if (j->entry.v[i].kind == LH_TRIGGER_SEGMENT && strcmp(j->entry.v[i].name, segment) == 0)
            return true;
    return false;
}

static void
joined(struct sim *s, const char *segment)
{
    char why[96];
    snprintf(why, sizeof why, "in_segment %s", segment);
    for (size_t i = 0; i < s->mem.nenr && !s->oom; i++)
        if (enters_on_segment(s->mem.enr[i].journey, segment)) enter(s, &s->mem.enr[i], NULL, why);
}

/* Re-evaluate the Lua segments on the contact; enter journeys of the segments it joined. */
static void
refresh_segments(struct sim *s)
{
    const struct lh_reg *r = s->reg;
    char **now_in = calloc(r->nsegments ? r->nsegments : 1, sizeof *now_in), err[EN_REASON_MAX];
    size_t n = 0;
    if (!now_in) {
        s->oom = true;
        return;
    }
    for (size_t i = 0; i < r->nsegments; i++) {
        bool member;
        if (r->segments[i].sql) continue;
        if (en_segment_where(s->st, r->segments[i].name, s->mem.contact, &member, err, sizeof err) <
            0)
            say(s, NULL, EN_SIM_ERROR, NULL, NULL, err);
        else if (member)
            now_in[n++] = r->segments[i].name;
    }
    bool *fresh = calloc(n ? n : 1, sizeof *fresh);
    for (size_t i = 0; fresh && i < n; i++)
        fresh[i] = !en_mem_is_member(&s->mem, now_in[i]);
    s->oom |= !fresh || en_mem_set_members(&s->mem, now_in, n) < 0;
    for (size_t i = 0; fresh && i < n && !s->oom; i++)
        if (fresh[i]) joined(s, now_in[i]); /* the journey's name: entering may refresh again */
    free(fresh);
    free(now_in);
}

/*
 * ---------------------------------------------------------------
 * the run
 * ---------------------------------------------------------------
 */

static int
load_events(struct sim *s, const struct en_sim_opts *o)
{
    for (size_t i = 0; i < o->nevents; i++) {
        const struct en_sim_event *ev = &o->events[i];
        char *type = strdup(ev->type);
        json_t *data = ev->data ? json_deep_copy(ev->data) : NULL;
        if (!type || (ev->data && !data)) {
            free(type), json_decref(data);
            return -1;
        }
        if (enqueue(s, ev->at, type, data) < 0) return -1; /* it freed them */
    }
    return 0;
}

static void
timeline(struct sim *s)
{
    while (!s->oom && s->iterations <= ITER_MAX) {
        struct en_mem_enrollment *due = next_due(s);
        int64_t t_ev = s->head < s->n ? s->queue[s->head].at : INT64_MAX;
        int64_t t_wake = due ? due->wake_at : INT64_MAX;
        int64_t t = t_ev <= t_wake ? t_ev : t_wake;
        if (t == INT64_MAX || t > s->end) return;
        s->now = t > s->now ? t : s->now;
        s->iterations++;
        if (t_ev <= t_wake) {
            struct en_sim_event ev = s->queue[s->head++];
            deliver(s, &ev);
            free(ev.type);
            json_decref(ev.data);
        } else {
            wake(s, due);
        }
    }
}

int
en_sim_run(struct lh_state *st, const struct lh_reg *reg, const struct en_sim_opts *o,
           en_sim_report report, void *ctx, char *err, size_t errlen)
{
    struct sim s = {.st = st,
                    .reg = reg,
                    .now = o->start,
                    .start = o->start,
                    .end = o->end,
                    .report = report,
                    .ctx = ctx};
    json_t *contact = json_deep_copy(o->contact);
    int rc = contact ? en_mem_init(&s.mem, contact, reg) : -1; /* the store owns contact */
    if (rc == 0) rc = load_events(&s, o);
    if (rc == 0) {
        refresh_segments(&s);
        timeline(&s);
        if (s.iterations > ITER_MAX)
            say(&s, NULL, EN_SIM_ERROR, NULL, NULL, "the timeline stopped after 100000 entries");
        rc = s.oom ? -1 : 0;
    }
    if (rc == 0 && o->contact_out) *o->contact_out = json_incref(s.mem.contact);
    for (size_t i = s.head; i < s.n; i++) {
        free(s.queue[i].type);
        json_decref(s.queue[i].data);
    }
    free(s.queue);
    en_mem_free(&s.mem);
    if (rc < 0) snprintf(err, errlen, "simulate: out of memory");
    return rc;
}
