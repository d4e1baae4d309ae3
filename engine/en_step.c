/*
 * en_step.c - one step of one enrollment: run it, apply the window, decide
 *
 * The Lua side (en_lua.c) fills the decision; this file turns failures
 * into EN_ERROR decisions with one line of reason and holds a step that
 * would send outside the journey's window (EN_DEFER, effects dropped), so
 * the caller runs it again when the window opens.
 */
#include "en_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "en_window.h"

static const char *const kind_names[] = {
    [EN_WAIT] = "wait", [EN_WAIT_FOR] = "wait_for", [EN_GO] = "go",
    [EN_EXIT] = "exit", [EN_DEFER] = "defer",       [EN_ERROR] = "error",
};

const char *
en_kind_name(enum en_kind k)
{
    return k <= EN_ERROR ? kind_names[k] : "?";
}

static int
by_name(const void *key, const void *elem)
{
    return strcmp(key, *(char *const *)elem);
}

bool
en_journey_has_step(const struct lh_journey_info *j, const char *step)
{
    return j->nsteps && bsearch(step, j->steps, j->nsteps, sizeof *j->steps, by_name) != NULL;
}

void
en_effects_free(struct en_decision *d)
{
    for (size_t i = 0; i < d->nsends; i++) {
        free(d->sends[i].template_name);
        json_decref(d->sends[i].opts);
    }
    for (size_t i = 0; i < d->nsets; i++) {
        free(d->sets[i].attr);
        json_decref(d->sets[i].value);
    }
    for (size_t i = 0; i < d->nemits; i++) {
        free(d->emits[i].type);
        json_decref(d->emits[i].data);
    }
    free(d->sends), free(d->sets), free(d->emits);
    json_decref(d->vars);
    d->sends = NULL, d->sets = NULL, d->emits = NULL, d->vars = NULL;
    d->nsends = d->nsets = d->nemits = 0;
    d->score = 0;
}

void
en_decision_free(struct en_decision *d)
{
    en_effects_free(d);
    free(d->wait_event);
    free(d->reason);
    *d = (struct en_decision){0};
}

/* Turn `d` into an error decision with `reason`. Always -1. */
static int
error_decision(struct en_decision *d, const char *reason)
{
    en_decision_free(d);
    d->kind = EN_ERROR;
    d->reason = strdup(reason); /* NULL when out of memory: the kind alone still parks it */
    return -1;
}

static bool
window_always(const struct lh_window *w)
{
    return w->all_day && (w->days & 0x7f) == 0x7f;
}

static const char *
contact_zone(const json_t *contact)
{
    const char *tz = json_string_value(json_object_get(contact, "timezone"));
    return tz && *tz ? tz : "UTC";
}

/* Hold a sending step that runs outside the window until the window opens. */
static int
apply_window(const struct en_input *in, struct en_decision *d)
{
    const struct lh_journey_info *j = in->journey;
    if (d->nsends == 0 || window_always(&j->window)) return 0;
    char why[256], reason[EN_REASON_MAX];
    int64_t open;
    if (en_window_next(&j->window, contact_zone(in->contact), in->now, &open, why, sizeof why) <
        0) {
        snprintf(reason, sizeof reason, "%s:%d: journey \"%s\": contact.timezone: %s", j->file,
                 j->line, j->name, why);
        return error_decision(d, reason);
    }
    if (open == in->now) return 0;
    en_decision_free(d);
    d->kind = EN_DEFER;
    d->wake_at = open;
    return 0;
}

int
en_step_run(struct lh_state *st, const struct en_input *in, struct en_decision *d)
{
    char err[EN_REASON_MAX];
    *d = (struct en_decision){0};
    if (en_lua_step(st, in, d, err, sizeof err) != LUA_OK) return error_decision(d, err);
    return apply_window(in, d);
}
