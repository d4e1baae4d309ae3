/*
 * en_filter.c - the Lua predicates around steps: trigger filters, segment where
 *
 * Each check is one protected call (lh_pcall) that pushes the predicate
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

static int
run_pred(struct lh_state *st, struct pred *p, char *err, size_t errlen)
{
    lua_State *L = lh_lua(st);
    lua_settop(L, 0);
    lua_pushcfunction(L, pred_entry);
    lua_pushlightuserdata(L, p);
    if (lh_pcall(st, 1, 0, err, errlen) == LUA_OK) return 0;
    char *nl = strchr(err, '\n');
    if (nl) *nl = '\0';
    return -1;
}

static const struct lh_triggers *
triggers(const struct lh_journey_info *j, const char *which)
{
    if (strcmp(which, "entry") == 0) return &j->entry;
    if (strcmp(which, "exit") == 0) return &j->exit;
    return &j->goal;
}

int
en_trigger_match(struct lh_state *st, const struct lh_journey_info *j, const char *which,
                 const json_t *event, bool *match, char *err, size_t errlen)
{
    const struct lh_triggers *t = triggers(j, which);
    const char *type = json_string_value(json_object_get(event, "type"));
    *match = false;
    for (size_t i = 0; type && i < t->n && !*match; i++) {
        if (t->v[i].kind != LH_TRIGGER_EVENT || strcmp(t->v[i].name, type) != 0) continue;
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
