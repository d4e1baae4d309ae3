/*
 * en_filter.c - the Lua predicates around steps: trigger filters, segment where
 *
 * A segment trigger fires on the segment.entered event a refresh writes
 * (en_seg.h). Each check is one protected call (lh_pcall) that pushes the predicate
 * and its argument and returns its truth: no C allocation crosses Lua.
 */
#include "en_int.h"

#include <string.h>

#include <lauxlib.h>

#include "lua/lh_json.h"

struct pred {
    const char *journey, *which, *segment; /* segment NULL: a trigger filter */
    size_t index;
    const json_t *arg;
    bool result;
};

static int
pred_entry(lua_State *L)
{
    struct pred *p = lua_touserdata(L, 1);
    lua_settop(L, 0);
    int t = p->segment ? lh_reg_push_segment_where(L, p->segment)
                       : lh_reg_push_filter(L, p->journey, p->which, p->index);
    if (t != LUA_TFUNCTION)
        return luaL_error(L,
                          "segment \"%s\" has no where function (an SQL segment needs the "
                          "database)",
                          p->segment ? p->segment : "?");
    lh_json_push(L, p->arg);
    lua_call(L, 1, 1);
    p->result = lua_toboolean(L, -1);
    return 0;
}

int
en_lua_protected(struct lh_state *st, lua_CFunction fn, void *arg, char *err, size_t errlen)
{
    lua_State *L = lh_lua(st);
    lua_settop(L, 0);
    lua_pushcfunction(L, fn);
    lua_pushlightuserdata(L, arg);
    if (lh_pcall(st, 1, 0, err, errlen) == LUA_OK) return 0;
    char *nl = strchr(err, '\n'); /* the first line names the script's file:line */
    if (nl) *nl = '\0';
    return -1;
}

static int
run_pred(struct lh_state *st, struct pred *p, char *err, size_t errlen)
{
    return en_lua_protected(st, pred_entry, p, err, errlen);
}

static const struct lh_triggers *
triggers(const struct lh_journey_info *j, const char *which)
{
    if (strcmp(which, "entry") == 0) return &j->entry;
    if (strcmp(which, "exit") == 0) return &j->exit;
    return &j->goal;
}

/* An event trigger names the event's type; in_segment "x" fires on segment.entered of x. */
static bool
names(const struct lh_trigger *t, const char *type, const json_t *event)
{
    if (t->kind == LH_TRIGGER_EVENT) return strcmp(t->name, type) == 0;
    if (strcmp(type, EN_SEGMENT_ENTERED) != 0) return false;
    const json_t *seg = json_object_get(json_object_get(event, "data"), "segment");
    return json_is_string(seg) && strcmp(json_string_value(seg), t->name) == 0;
}

int
en_trigger_match(struct lh_state *st, const struct lh_journey_info *j, const char *which,
                 const json_t *event, bool *match, char *err, size_t errlen)
{
    const struct lh_triggers *t = triggers(j, which);
    const char *type = json_string_value(json_object_get(event, "type"));
    *match = false;
    for (size_t i = 0; type && i < t->n && !*match; i++) {
        if (!names(&t->v[i], type, event)) continue;
        if (!t->v[i].filtered) {
            *match = true;
            break;
        }
        struct pred p = {.journey = j->name, .which = which, .index = i, .arg = event};
        if (run_pred(st, &p, err, errlen) < 0) return -1;
        *match = p.result;
    }
    return 0;
}

int
en_segment_where(struct lh_state *st, const char *segment, const json_t *contact, bool *member,
                 char *err, size_t errlen)
{
    struct pred p = {.segment = segment, .arg = contact};
    int rc = run_pred(st, &p, err, errlen);
    *member = rc == 0 && p.result;
    return rc;
}
