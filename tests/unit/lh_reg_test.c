/*
 * lh_reg_test.c - journey, segment, policy and hook registration: what the
 * inspection API reports for a good tree, and the file:line error of every
 * kind of mistake
 *
 * The good tree is tests/lua/reg/good; each broken script is written to a
 * scratch tree under TERN_TMPDIR and must make the reload fail.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "lua/lh.h"
#include "lua/lh_duration.h"
#include "lua/lh_reg.h"
#include "tap.h"

static char err[4096];

static const char *
fixture(const char *name)
{
    static char path[PATH_MAX];
    const char *d = getenv("TERN_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/lua/%s", d && *d ? d : ".", name);
    return path;
}

static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* A scratch tree holding a.lua (and b.lua when given). */
static const char *
tree(const char *a, const char *b)
{
    static char path[PATH_MAX];
    const char *tmp = getenv("TERN_TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    mkdir(tmp, 0777);
    snprintf(path, sizeof path, "%s/lh_reg.XXXXXX", tmp);
    if (!mkdtemp(path)) return "/nonexistent";
    write_file(path, "a.lua", a);
    if (b) write_file(path, "b.lua", b);
    return path;
}

/* Reload a pool from `root`; 0 or -1 with err. */
static int
load(const char *root)
{
    struct lh_pool *p = lh_pool_new(NULL, 1, err, sizeof err);
    int rc = lh_pool_reload(p, root, err, sizeof err);
    lh_pool_free(p);
    return rc;
}

/* The reload of a one-file tree fails with `want` in the message. */
static void
refused(const char *script, const char *want, const char *name)
{
    ok(load(tree(script, NULL)) < 0, "refused: %s", name);
    like(err, want, name);
}

#define J "journey \"j\" { entry = on \"a.b\", "

/* A scratch tree holding one script at `rel` ("nl/journeys/w.lua"; one folder level at most). */
static const char *
tree_at(const char *rel, const char *text)
{
    const char *root = tree("", NULL);
    char dir[PATH_MAX];
    const char *slash = strrchr(rel, '/');
    snprintf(dir, sizeof dir, "%s/%.*s", root, slash ? (int)(slash - rel) : 0, rel);
    for (char *p = dir + strlen(root) + 1; slash && (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(dir, 0777);
        *p = '/';
    }
    mkdir(dir, 0777);
    write_file(root, rel, text);
    return root;
}

/* The tenants of the one journey a tree at `root` registers, "a,b" ("" for every tenant). */
static const char *
tenants_of(const char *root)
{
    static char out[256];
    struct lh_reg *r = NULL;
    struct lh_pool *p = lh_pool_new(NULL, 1, err, sizeof err);
    struct lh_state *st =
        p && lh_pool_reload(p, root, err, sizeof err) == 0 ? lh_lease(p, err, sizeof err) : NULL;
    snprintf(out, sizeof out, "(no journey: %.200s)", err);
    if (st && lh_reg_get(st, &r, err, sizeof err) == 0 && r->njourneys == 1) {
        out[0] = '\0';
        for (size_t i = 0; i < r->journeys[0].ntenants; i++)
            snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? "," : "",
                     r->journeys[0].tenants[i]);
    }
    lh_reg_free(r);
    if (st) lh_release(st);
    lh_pool_free(p);
    return out;
}

#define W(opts)                                                                                    \
    "local j = journey \"w\" { entry = on \"a.b\"" opts " }\n"                                     \
    "function j.start(c) return c:exit() end\nreturn j\n"

/*
 * ---------------------------------------------------------------
 * the good tree through the inspection API
 * ---------------------------------------------------------------
 */

static struct lh_pool *good_pool;
static struct lh_state *good_st;

static struct lh_reg *
good(void)
{
    static struct lh_reg *r;
    if (r) return r;
    good_pool = lh_pool_new(NULL, 1, err, sizeof err);
    if (lh_pool_reload(good_pool, fixture("reg/good"), err, sizeof err) < 0) diag("%s", err);
    good_st = lh_lease(good_pool, err, sizeof err);
    if (!good_st || lh_reg_get(good_st, &r, err, sizeof err) < 0) {
        diag("%s", err);
        static struct lh_reg empty;
        return &empty;
    }
    return r;
}

static const struct lh_journey_info *
journey_named(const char *name)
{
    struct lh_reg *r = good();
    for (size_t i = 0; i < r->njourneys; i++)
        if (strcmp(r->journeys[i].name, name) == 0) return &r->journeys[i];
    static const struct lh_journey_info none = {.name = "(none)", .file = "(none)"};
    return &none;
}

static void
journeys_are_listed_in_path_order_with_file_and_line(void)
{
    struct lh_reg *r = good();
    is_int(r->njourneys, 2, "two journeys");
    if (r->njourneys < 2) return;
    is_str(r->journeys[0].name, "nurture", "journeys/nurture.lua loads first");
    is_str(r->journeys[1].file, "journeys/welcome.lua", "the file is relative to the root");
    is_int(r->journeys[1].line, 2, "the line is the journey call's");
}

static void
journey_options_are_normalised(void)
{
    const struct lh_journey_info *j = journey_named("welcome");
    is_int(j->entry.n, 1, "one entry trigger");
    ok(j->entry.n == 1 && j->entry.v[0].kind == LH_TRIGGER_EVENT, "the entry is an event");
    is_str(j->entry.n ? j->entry.v[0].name : NULL, "contact.confirmed", "the entry event type");
    is_int(j->exit.n, 2, "a list of exits");
    is_str(j->exit.n == 2 ? j->exit.v[1].name : NULL, "email.unsubscribe", "exits keep order");
    is_int(j->goal.n, 1, "a single goal becomes a list of one");
    is_int(j->reentry, LH_REENTRY_COOLDOWN, "reentry \"30d\" is a cool-down");
    is_int(j->cooldown_s, 30 * 86400, "of 30 days in seconds");
    is_int(j->priority, 70, "priority");
    is_int(j->category, LH_CATEGORY_MARKETING, "category");
    ok(!j->window.all_day && j->window.start_min == 8 * 60 && j->window.end_min == 20 * 60,
       "window hours in minutes");
    is_int(j->window.days, 0x3f, "mon-sat is Monday to Saturday");
    is_int(j->ntenants, 2, "two tenants");
    is_str(j->ntenants == 2 ? j->tenants[1] : NULL, "be", "tenant names");
}

static void
journey_steps_are_listed_sorted(void)
{
    const struct lh_journey_info *j = journey_named("welcome");
    is_int(j->nsteps, 4, "four steps");
    if (j->nsteps != 4) return;
    is_str(j->steps[0], "engaged", "sorted: engaged");
    is_str(j->steps[2], "start", "sorted: start");
    is_str(j->steps[3], "tips", "sorted: tips");
}

static void
journey_defaults_apply(void)
{
    const struct lh_journey_info *j = journey_named("nurture");
    is_int(j->reentry, LH_REENTRY_NEVER, "reentry defaults to never");
    is_int(j->priority, 50, "priority defaults to 50");
    ok(j->window.all_day && j->window.days == 0x7f, "no window: every day, all day");
    is_int(j->ntenants, 0, "no tenant: every tenant");
    is_int(j->goal.n, 0, "no goal");
}

static void
entry_may_be_a_segment_and_exit_a_filtered_event(void)
{
    const struct lh_journey_info *j = journey_named("nurture");
    ok(j->entry.n == 1 && j->entry.v[0].kind == LH_TRIGGER_SEGMENT, "in_segment entry");
    is_str(j->entry.n ? j->entry.v[0].name : NULL, "hot_leads", "the segment's name");
    ok(j->exit.n == 1 && j->exit.v[0].filtered, "on(type, {where = fn}) is filtered");
    ok(j->entry.n == 1 && !j->entry.v[0].filtered, "a segment trigger is not");
}

static void
segments_sql_and_lua(void)
{
    struct lh_reg *r = good();
    is_int(r->nsegments, 2, "two segments");
    if (r->nsegments != 2) return;
    is_str(r->segments[0].sql, "(attributes->>'score')::int >= 50", "an SQL segment keeps its SQL");
    is_int(r->segments[0].refresh_s, 3600, "refresh defaults to 1h");
    ok(r->segments[1].sql == NULL, "a where segment has no SQL");
    is_int(r->segments[1].refresh_s, 90 * 60, "refresh 90m");
    is_int(r->segments[1].line, 2, "a segment's line");
}

static void
policy_caps_and_on_cap(void)
{
    struct lh_reg *r = good();
    ok(r->policy.defined, "a policy");
    is_str(r->policy.file, "policy.lua", "its file");
    is_int(r->policy.ncaps, 2, "two marketing caps");
    if (r->policy.ncaps == 2) {
        ok(r->policy.caps[0].count == 1 && r->policy.caps[0].per_s == 86400, "1/1d");
        ok(r->policy.caps[1].count == 3 && r->policy.caps[1].per_s == 7 * 86400, "3/7d");
    }
    is_int(r->policy.on_cap, LH_ON_CAP_SKIP, "on_cap skip");
}

static void
hooks_are_listed_in_registration_order(void)
{
    struct lh_reg *r = good();
    is_int(r->nhooks, 2, "two hooks");
    if (r->nhooks != 2) return;
    is_str(r->hooks[0].kind, "message", "kind");
    ok(r->hooks[0].line == 1 && r->hooks[1].line == 2, "in order, with their lines");
    is_int(lh_reg_count_hooks(lh_lua(good_st), "message"), 2, "count_hooks agrees");
}

static int
call_step(lua_State *L)
{
    if (lh_reg_push_step(L, "welcome", "engaged") != LUA_TFUNCTION) return luaL_error(L, "no step");
    lua_pushnil(L);
    lua_call(L, 1, 1); /* c:exit() on nil fails: proves it is the script's function */
    return 0;
}

static void
push_step_reaches_the_step_function(void)
{
    good();
    lua_State *L = lh_lua(good_st);
    lua_pushcfunction(L, call_step);
    ok(lh_pcall(good_st, 0, 0, err, sizeof err) != LUA_OK, "the step ran");
    like(err, "journeys/welcome.lua:22:", "and failed inside the script, on its line");
}

/* nurture's exit filter on an event whose data.link is 1: pushes the result. */
static int
call_filter(lua_State *L)
{
    if (lh_reg_push_filter(L, "nurture", "exit", 0) != LUA_TFUNCTION)
        return luaL_error(L, "no filter");
    lua_newtable(L);
    lua_newtable(L);
    lua_pushinteger(L, 1);
    lua_setfield(L, -2, "link");
    lua_setfield(L, -2, "data");
    lua_call(L, 1, 1);
    return luaL_error(L, "filter said %s", lua_toboolean(L, -1) ? "yes" : "no");
}

static int
call_segment_where(lua_State *L)
{
    if (lh_reg_push_segment_where(L, "nl_buyers") != LUA_TFUNCTION)
        return luaL_error(L, "no where");
    lua_newtable(L);
    lua_pushliteral(L, "NL");
    lua_setfield(L, -2, "country");
    lua_call(L, 1, 1);
    int member = lua_toboolean(L, -1);
    int sql_has_none = lh_reg_push_segment_where(L, "hot_leads") == LUA_TNIL;
    int no_such = lh_reg_push_step(L, "nosuch", "start") == LUA_TNIL;
    return luaL_error(L, "member %d, sql segment without where %d, unknown journey nil %d", member,
                      sql_has_none, no_such);
}

static void
push_filter_and_segment_where_reach_the_scripts_functions(void)
{
    good();
    lua_State *L = lh_lua(good_st);
    lua_pushcfunction(L, call_filter);
    lh_pcall(good_st, 0, 0, err, sizeof err);
    like(err, "filter said yes", "an exit's where filter runs on an event");
    lua_pushcfunction(L, call_segment_where);
    lh_pcall(good_st, 0, 0, err, sizeof err);
    like(err, "member 1, sql segment without where 1, unknown journey nil 1",
         "a segment's where runs on a contact; absent things push nil");
}

static void
no_policy_means_no_caps(void)
{
    struct lh_pool *p = lh_pool_new(NULL, 1, err, sizeof err);
    lh_pool_reload(p, tree("x = 1", NULL), err, sizeof err);
    struct lh_state *st = lh_lease(p, err, sizeof err);
    struct lh_reg *r = NULL;
    ok(st && lh_reg_get(st, &r, err, sizeof err) == 0, "inspect a tree without registrations");
    ok(r && !r->policy.defined && r->njourneys == 0 && r->nhooks == 0, "nothing registered");
    lh_reg_free(r);
    lh_release(st);
    lh_pool_free(p);
}

/*
 * ---------------------------------------------------------------
 * mistakes, each with file:line
 * ---------------------------------------------------------------
 */

static void
unknown_option_lists_the_known_ones(void)
{
    refused(J "prority = 5 }", "a.lua:1: journey \"j\": unknown option \"prority\" (known: entry,",
            "an unknown journey option");
    refused("segment \"s\" { sql = \"true\", refrsh = \"1h\" }",
            "a.lua:1: segment \"s\": unknown option \"refrsh\"", "an unknown segment option");
    refused(J "window = { hour = \"08:00-20:00\" } }", "unknown option \"window.hour\"",
            "an unknown window field is named with its path");
}

static void
options_have_types(void)
{
    refused(J "priority = \"high\" }", "priority must be an integer in 0..100, got string",
            "priority of the wrong type");
    refused(J "priority = 150 }", "priority must be an integer in 0..100, got 150",
            "priority out of range");
    refused(J "priority = 2.5 }", "got 2.5", "a fractional priority");
    refused(J "category = \"promo\" }",
            "category must be \"marketing\" or \"transactional\", got \"promo\"", "category");
    refused(J "tenant = 3 }", "tenant must be a tenant name or a list", "tenant");
    refused("journey \"j\" (42)", "expected a table of options, got number", "options not a table");
}

static void
reentry_is_never_always_or_a_duration(void)
{
    refused(J "reentry = \"sometimes\" }", "reentry: \"sometimes\" is not a duration like 30s",
            "a bad reentry");
    refused(J "reentry = 30 }", "reentry must be \"never\", \"always\" or a cool-down",
            "a numeric reentry");
    ok(load(tree("local j = " J "reentry = \"always\" } function j.start() end", NULL)) == 0,
       "reentry always is fine");
}

static void
window_hours_and_days(void)
{
    refused(J "window = { hours = \"8-20\" } }",
            "window.hours: \"8-20\" is not like \"08:00-20:00\"", "hours without minutes");
    refused(J "window = { hours = \"08:00-25:00\" } }", "is not like", "an hour past 24");
    refused(J "window = { hours = \"08:00-08:00\" } }", "starts where it ends", "an empty window");
    refused(J "window = { days = \"monday\" } }", "window.days: \"monday\" is not a list of days",
            "a long day name");
    refused(J "window = { days = \"mon,,fri\" } }", "is not a list of days", "an empty day");
    ok(load(tree("local j = " J "window = { hours = \"22:00-06:00\", days = \"fri-mon, wed\" } }"
                 " function j.start() end",
                 NULL)) == 0,
       "a window over midnight and a wrapping day range are fine");
}

static void
caps_are_count_per_duration(void)
{
    refused("policy { caps = { marketing = { \"3 per week\" } } }",
            "a.lua:1: policy: caps.marketing: \"3 per week\" is not a cap like \"3/7d\"",
            "a cap in words");
    refused("policy { caps = { marketing = { \"3/7x\" } } }", "\"3/7x\": \"7x\" is not a duration",
            "a cap with a bad period");
    refused("policy { caps = { transactional = { \"1/1d\" } } }",
            "transactional mail is never capped", "capping transactional mail");
    refused("policy { on_cap = \"drop\" }", "on_cap must be \"defer\" or \"skip\"", "on_cap");
}

static void
duplicates_name_both_places(void)
{
    ok(load(tree("journey \"w\" { entry = on \"a.b\" }",
                 "\n\njourney \"w\" { entry = on \"a.b\" }")) < 0,
       "a journey defined twice is refused");
    like(err, "b.lua:3: journey \"w\": is already defined at a.lua:1", "naming both places");
    ok(load(tree("segment \"s\" { sql = \"true\" }", "segment \"s\" { sql = \"false\" }")) < 0,
       "a segment defined twice is refused");
    like(err, "b.lua:1: segment \"s\": is already defined at a.lua:1", "naming both places");
    ok(load(tree("policy {}", "\npolicy {}")) < 0, "a second policy is refused");
    like(err, "b.lua:2: policy: a policy is already defined at a.lua:1", "naming both places");
}

static void
triggers_are_checked(void)
{
    refused(J "} j2 = on \"Order\"", "a.lua:1: on: \"Order\": event type must start with a lower",
            "a bad event type");
    refused(
        "journey \"j\" { entry = \"contact.confirmed\" }",
        "entry must be on \"event.type\" or in_segment \"name\" (or a list of them), got string",
        "a bare string as entry");
    refused(J "exit = in_segment \"s\" }", "exit must be on \"event.type\", not in_segment",
            "a segment as exit");
    refused(J "exit = { on \"a.c\", 5 } }", "exit[2] must be on \"event.type\", got number",
            "a list element that is not a trigger");
    refused(J "exit = on(\"a.c\", { where = 1 }) }", "a.lua:1: on: where must be a function",
            "a where that is not a function");
    refused("journey \"j\" { priority = 1 }", "entry is required", "a journey without an entry");
}

static void
names_are_checked(void)
{
    refused("journey \"\" { entry = on \"a.b\" }", "journey name \"\" is empty", "an empty name");
    refused("journey \"we lcome\" { entry = on \"a.b\" }", "may only hold letters, digits",
            "a blank in a name");
    refused("segment (5)", "segment name must be a string, got number", "a numeric name");
}

static void
hook_kinds_and_functions(void)
{
    refused("hook \"delivery\" (function() end)",
            "a.lua:1: hook: unknown hook kind \"delivery\" (known: message)", "an unknown kind");
    refused("hook \"message\" (42)",
            "a.lua:1: hook \"message\": expected a function(m), got number",
            "a hook that is not a function");
}

static void
segment_needs_sql_or_where(void)
{
    refused("segment \"s\" { refresh = \"1h\" }", "needs exactly one of sql", "neither");
    refused("segment \"s\" { sql = \"true\", where = function() end }", "needs exactly one of sql",
            "both");
    refused("segment \"s\" { where = function() end, refresh = \"soon\" }",
            "refresh: \"soon\" is not a duration", "a bad refresh");
}

static void
steps_are_checked_at_assignment_and_after_load(void)
{
    refused("local j = " J "}\nfunction j.start() end\nj.later = 1",
            "a.lua:3: journey \"j\": j.later must be a step function, got number",
            "a non-function step, at its line");
    refused("local j = " J "}\nj[\"not a name\"] = function() end", "step name \"not a name\"",
            "a step name that is not a Lua name");
    refused(J "}", "a.lua:1: journey \"j\": has no start step", "a journey without j.start");
    refused("local j = " J "}\nfunction j.start() end\nrawset(j, 'x', true)",
            "a.lua:1: journey \"j\": j.x must be a step function, got boolean",
            "a rawset non-function is caught after loading");
}

static void
in_segment_must_name_a_defined_segment(void)
{
    refused("local j = journey \"j\" { entry = in_segment \"nobody\" }\nfunction j.start() end",
            "a.lua:1: journey \"j\": entry in_segment \"nobody\": no segment \"nobody\" is defined",
            "an undefined segment");
    ok(load(tree("local j = journey \"j\" { entry = in_segment \"later\" }\n"
                 "function j.start() end",
                 "segment \"later\" { sql = \"true\" }")) == 0,
       "a segment defined in a later file is fine");
}

static void
registering_after_load_is_refused(void)
{
    struct lh_pool *p = lh_pool_new(NULL, 1, err, sizeof err);
    lh_pool_reload(p, tree("function late() hook \"message\" (function() end) end", NULL), err,
                   sizeof err);
    struct lh_state *st = lh_lease(p, err, sizeof err);
    ok(st && lh_call(st, "a.lua:late", NULL, err, sizeof err, "") < 0,
       "a hook registered from a call is refused");
    like(err, "a.lua:1: hook: registrations are only allowed while the scripts load",
         "with the reason");
    lh_release(st);
    lh_pool_free(p);
}

/*
 * ---------------------------------------------------------------
 * durations
 * ---------------------------------------------------------------
 */

static int64_t
dur(const char *s)
{
    int64_t v = -1;
    char why[200];
    return lh_duration_parse(s, &v, why, sizeof why) < 0 ? -1 : v;
}

static void
durations_have_five_units(void)
{
    is_int(dur("30s"), 30, "30s");
    is_int(dur("90m"), 5400, "90m is minutes");
    is_int(dur("12h"), 43200, "12h");
    is_int(dur("3d"), 259200, "3d");
    is_int(dur("2w"), 1209600, "2w");
}

static void
durations_refuse_everything_else(void)
{
    static const char *const bad[] = {
        "",     "30", "s", "1.5h", "1h30m", " 1h", "1H", "-1d", "0s", "1y", "99999999999999999999s",
        "5300w"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        is_int(dur(bad[i]), -1, bad[i]);
}

static void
offsets_may_be_signed_or_zero(void)
{
    int64_t v = 0;
    char why[200];
    ok(lh_offset_parse("-3d", &v, why, sizeof why) == 0 && v == -259200, "-3d");
    ok(lh_offset_parse("+2h", &v, why, sizeof why) == 0 && v == 7200, "+2h");
    ok(lh_offset_parse("0", &v, why, sizeof why) == 0 && v == 0, "0");
    ok(lh_offset_parse("--3d", &v, why, sizeof why) < 0, "a double sign is refused");
    like(why, "is not a duration like", "with the reason");
}

static void
durations_format_in_the_largest_unit(void)
{
    char s[32];
    lh_duration_format(7 * 86400, s, sizeof s);
    is_str(s, "1w", "a week");
    lh_duration_format(5400, s, sizeof s);
    is_str(s, "90m", "90 minutes");
    lh_duration_format(86400 + 1, s, sizeof s);
    is_str(s, "86401s", "a day and a second");
}

static void
tenant_folder_scopes_its_journeys(void)
{
    is_str(tenants_of(tree_at("nl/journeys/w.lua", W(""))), "nl",
           "a journey under scripts/nl/ enrolls only tenant nl's contacts");
    is_str(tenants_of(tree_at("nl/w.lua", W(", tenant = \"nl\""))), "nl",
           "it may name its own tenant");
    is_str(tenants_of(tree_at("journeys/w.lua", W(""))), "", "journeys/ is shared by every tenant");
}

static void
tenant_folder_refuses_another_tenant(void)
{
    ok(load(tree_at("nl/journeys/w.lua", W(", tenant = { \"nl\", \"de\" }"))) < 0,
       "a journey in nl/ scoped to de is refused");
    like(err, "nl/journeys/w.lua:1: journey \"w\": is in the folder of tenant nl",
         "naming file:line and the folder's tenant");
    ok(load(tree_at("Shop/w.lua", W(""))) < 0, "a folder that is not a tenant name is refused");
    like(err, "Shop/w.lua:1: journey \"w\": folder \"Shop\" is not a tenant name",
         "naming the folder");
    refused(W(", tenant = \"NL\""), "a.lua:1: journey \"w\": tenant must be a tenant name",
            "a tenant option that is not a tenant name");
}

int
main(void)
{
    tenant_folder_scopes_its_journeys();
    tenant_folder_refuses_another_tenant();
    journeys_are_listed_in_path_order_with_file_and_line();
    journey_options_are_normalised();
    journey_steps_are_listed_sorted();
    journey_defaults_apply();
    entry_may_be_a_segment_and_exit_a_filtered_event();
    segments_sql_and_lua();
    policy_caps_and_on_cap();
    hooks_are_listed_in_registration_order();
    push_step_reaches_the_step_function();
    push_filter_and_segment_where_reach_the_scripts_functions();
    no_policy_means_no_caps();
    unknown_option_lists_the_known_ones();
    options_have_types();
    reentry_is_never_always_or_a_duration();
    window_hours_and_days();
    caps_are_count_per_duration();
    duplicates_name_both_places();
    triggers_are_checked();
    names_are_checked();
    hook_kinds_and_functions();
    segment_needs_sql_or_where();
    steps_are_checked_at_assignment_and_after_load();
    in_segment_must_name_a_defined_segment();
    registering_after_load_is_refused();
    durations_have_five_units();
    durations_refuse_everything_else();
    offsets_may_be_signed_or_zero();
    durations_format_in_the_largest_unit();
    lh_reg_free(good());
    lh_release(good_st);
    lh_pool_free(good_pool);
    return tap_done();
}
