/*
 * en_simspec.c - `tern simulate --events`: inline "TYPE@OFFSET,..." or @FILE JSON
 *
 * Offsets are lh_offset_parse offsets from the start and may not be
 * negative; in a file, "at" may also be an ISO 8601 time. Bounded: at
 * most EVENTS_MAX events.
 */
#include "en_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "en_time.h"
#include "events.h"
#include "lua/lh_duration.h"

#define EVENTS_MAX 10000

void
en_sim_events_free(struct en_sim_event *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].type);
        json_decref(v[i].data);
    }
    free(v);
}

struct list {
    struct en_sim_event *v;
    size_t n;
};

/* Offset text or ISO 8601 (files only) as an instant; -1 with why. */
static int
instant(const char *text, int64_t start, bool iso_ok, int64_t *at, char *why, size_t whylen)
{
    int64_t off;
    if (iso_ok && strchr(text, '-') && strlen(text) >= 10 && text[4] == '-')
        return en_time_parse(text, at, why, whylen);
    if (lh_offset_parse(text, &off, why, whylen) < 0) return -1;
    if (off < 0) {
        snprintf(why, whylen, "\"%s\": an offset from the start may not be negative", text);
        return -1;
    }
    *at = start + off;
    return 0;
}

/* Append an event (taking `data`); -1 with why. */
static int
add(struct list *l, int64_t at, const char *type, json_t *data, char *why, size_t whylen)
{
    const char *problem = ev_type_problem(type);
    if (problem) {
        snprintf(why, whylen, "event type \"%.64s\": %s", type, problem);
        json_decref(data);
        return -1;
    }
    struct en_sim_event *v = l->n < EVENTS_MAX ? realloc(l->v, (l->n + 1) * sizeof *v) : NULL;
    char *t = v ? strdup(type) : NULL;
    if (v) l->v = v;
    if (!t) {
        snprintf(why, whylen, "more than %d events, or out of memory", EVENTS_MAX);
        json_decref(data);
        return -1;
    }
    l->v[l->n++] = (struct en_sim_event){at, t, data};
    return 0;
}

static int
parse_inline(const char *spec, int64_t start, struct list *l, char *err, size_t errlen)
{
    char *copy = strdup(spec), *save = NULL, why[256];
    if (!copy) return snprintf(err, errlen, "--events: out of memory"), -1;
    int rc = 0;
    for (char *item = strtok_r(copy, ",", &save); item && rc == 0;
         item = strtok_r(NULL, ",", &save)) {
        char *atsign = strchr(item, '@');
        int64_t at;
        if (!atsign) {
            snprintf(err, errlen, "--events: \"%s\": want TYPE@OFFSET", item);
            rc = -1;
            break;
        }
        *atsign = '\0';
        if (instant(atsign + 1, start, false, &at, why, sizeof why) < 0 ||
            add(l, at, item, NULL, why, sizeof why) < 0) {
            snprintf(err, errlen, "--events: %s", why);
            rc = -1;
        }
    }
    free(copy);
    return rc;
}

/* One {"at", "type", "data"} element of an events file. */
static int
file_item(const json_t *it, int64_t start, struct list *l, char *why, size_t whylen)
{
    const char *type = json_string_value(json_object_get(it, "type"));
    const json_t *at_v = json_object_get(it, "at"), *data = json_object_get(it, "data");
    int64_t at = start;
    if (!json_is_object(it)) return snprintf(why, whylen, "not an object"), -1;
    if (!type) return snprintf(why, whylen, "type: want a string"), -1;
    if (data && !json_is_object(data)) return snprintf(why, whylen, "data: want an object"), -1;
    if (json_is_string(at_v)) {
        if (instant(json_string_value(at_v), start, true, &at, why, whylen) < 0) return -1;
    } else if (json_is_integer(at_v) && json_integer_value(at_v) >= 0 &&
               json_integer_value(at_v) <= LH_DURATION_MAX) {
        at = start + json_integer_value(at_v); /* seconds after the start */
    } else if (at_v) {
        return snprintf(why, whylen, "at: want an offset like \"3d\", seconds or ISO 8601"), -1;
    }
    return add(l, at, type, data ? json_deep_copy(data) : NULL, why, whylen);
}

static int
parse_file(const char *path, int64_t start, struct list *l, char *err, size_t errlen)
{
    json_error_t jerr;
    char why[256];
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) return snprintf(err, errlen, "%s:%d: %s", path, jerr.line, jerr.text), -1;
    int rc = 0;
    if (!json_is_array(root)) {
        snprintf(err, errlen, "%s: want a JSON array of {\"at\", \"type\", \"data\"}", path);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < json_array_size(root); i++)
        if (file_item(json_array_get(root, i), start, l, why, sizeof why) < 0) {
            snprintf(err, errlen, "%s: [%zu]: %s", path, i, why);
            rc = -1;
        }
    json_decref(root);
    return rc;
}

int
en_sim_events_parse(const char *spec, int64_t start, struct en_sim_event **out, size_t *n,
                    char *err, size_t errlen)
{
    struct list l = {0};
    int rc = spec[0] == '@' ? parse_file(spec + 1, start, &l, err, errlen)
                            : parse_inline(spec, start, &l, err, errlen);
    if (rc < 0) {
        en_sim_events_free(l.v, l.n);
        return -1;
    }
    *out = l.v;
    *n = l.n;
    return 0;
}
