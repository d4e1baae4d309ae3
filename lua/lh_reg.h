/*
 * lh_reg.h - what the scripts registered: journeys, segments, policy, hooks
 *
 * Owns: the registration functions scripts call at load time (`journey`,
 * `on`, `in_segment`, `segment`, `policy`, `hook`; doc/tern-lua.md), their
 * validation, and the record of what one state registered. Registrations
 * live in the state's registry, one record per call, in load order (script
 * path order, then order within a script). lh_reg_validate() checks what
 * can only be checked once every file ran (each journey defines j.start,
 * every j.<field> is a step function, every in_segment names a segment),
 * and the pool runs it on each state of a new generation before that
 * generation may serve.
 *
 * This header is the C inspection API for the engine and `tern lint`:
 *
 *     struct lh_reg *r;
 *     if (lh_reg_get(st, &r, err, sizeof err) < 0) ...
 *     for (size_t i = 0; i < r->njourneys; i++)
 *         printf("%s:%d: journey %s\n", r->journeys[i].file, r->journeys[i].line,
 *                r->journeys[i].name);
 *     lh_reg_free(r);
 *
 * and, for bindings running inside a protected call of the same state, the
 * functions that push what a registration holds (step functions, `where`
 * filters, hook functions).
 *
 * Diagnostics: misuse raises a Lua error "file:line: journey \"welcome\":
 * priority must be an integer in 0..100, got 150", file:line being the
 * registering call, so the reload that ran it fails with that message.
 *
 * Depends on: lua/lh.h, lua/lh_duration.h, lib/events (event type syntax).
 */
#ifndef TERN_LH_REG_H
#define TERN_LH_REG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "lh.h"

#define LH_REG_NAME_MAX 64 /* journey, segment and step names */

enum lh_trigger_kind { LH_TRIGGER_EVENT, LH_TRIGGER_SEGMENT };

/* `on "email.click"` (maybe with a where filter) or `in_segment "hot_leads"`. */
struct lh_trigger {
    enum lh_trigger_kind kind;
    char *name;    /* event type or segment name */
    bool filtered; /* on(type, {where = fn}): see lh_reg_push_filter */
};

struct lh_triggers {
    struct lh_trigger *v;
    size_t n;
};

enum lh_reentry { LH_REENTRY_NEVER, LH_REENTRY_ALWAYS, LH_REENTRY_COOLDOWN };

enum lh_category { LH_CATEGORY_MARKETING, LH_CATEGORY_TRANSACTIONAL };

/* A journey's send window, in the contact's time zone. */
struct lh_window {
    bool all_day;       /* no hours given */
    unsigned start_min; /* minutes after midnight; end < start spans midnight */
    unsigned end_min;
    unsigned days; /* bit 0 Monday ... bit 6 Sunday; 0x7f every day */
};

struct lh_journey_info {
    char *name, *file; /* file relative to the scripts root */
    int line;
    struct lh_triggers entry, exit, goal;
    enum lh_reentry reentry;
    int64_t cooldown_s; /* LH_REENTRY_COOLDOWN */
    enum lh_category category;
    int priority; /* 0..100, default 50 */
    struct lh_window window;
    char **tenants; /* none: every tenant */
    size_t ntenants;
    char **steps; /* step names, sorted; "start" is one of them */
    size_t nsteps;
};

struct lh_segment_info {
    char *name, *file;
    int line;
    char *sql;         /* SQL condition (lib/sqlcond checked), or NULL: a Lua where function */
    int64_t refresh_s; /* how often to re-evaluate (default 1h) */
    char *tenant;      /* only this tenant's contacts, or NULL: every tenant */
};

/* "3/7d": at most `count` marketing sends per contact in `per_s` seconds. */
struct lh_cap {
    unsigned count;
    int64_t per_s;
};

enum lh_on_cap { LH_ON_CAP_DEFER, LH_ON_CAP_SKIP };

struct lh_policy_info {
    bool defined; /* false: no policy script, no caps */
    char *file;
    int line;
    struct lh_cap *caps; /* the marketing caps */
    size_t ncaps;
    enum lh_on_cap on_cap;
};

struct lh_hook_info {
    char *kind, *file; /* kind: "message" */
    int line;
};

struct lh_reg {
    struct lh_journey_info *journeys; /* in registration order */
    size_t njourneys;
    struct lh_segment_info *segments;
    size_t nsegments;
    struct lh_policy_info policy;
    struct lh_hook_info *hooks;
    size_t nhooks;
};

/* Copy what the leased state registered into `*out` (free with lh_reg_free). 0 or -1. */
int lh_reg_get(struct lh_state *st, struct lh_reg **out, char *err, size_t errlen);
void lh_reg_free(struct lh_reg *r);

/*
 * The check run after every file of a generation loaded (lh_pool.c does).
 * 0, or -1 with every problem in err, one per line:
 * "file:line: journey \"x\": has no start step ...".
 */
int lh_reg_validate(struct lh_state *st, char *err, size_t errlen);

/*
 * `tern lint`: load the scripts tree at `root` as a reload would (limits
 * `lim`, NULL: defaults), in a state of its own and without stopping at
 * the first problem: a file that fails is reported and the next one runs,
 * then the post-load checks run on the journeys of the files that loaded.
 * Each problem goes to `report` as one line "file:line: message" (no
 * traceback). Returns the number of problems, or -1 with err when the tree
 * cannot be read at all. With no problems and `reg` not NULL, *reg gets
 * what the tree registered (free with lh_reg_free).
 */
typedef void (*lh_lint_report)(void *ctx, const char *problem);
int lh_lint_scripts(const char *root, const struct lh_limits *lim, lh_lint_report report, void *ctx,
                    struct lh_reg **reg, char *err, size_t errlen);

/*
 * For bindings inside a protected call. Each pushes one value and returns
 * its type; LUA_TNIL (a nil pushed) when there is no such thing.
 *   lh_reg_push_step: the step function j.<step> of journey `journey`;
 *   lh_reg_push_filter: the where function of trigger `i` (0-based) of a
 *     journey's "entry", "exit" or "goal";
 *   lh_reg_push_segment_where: a Lua segment's where function;
 *   lh_reg_push_hook: hook function `i` (0-based, registration order) of `kind`.
 */
int lh_reg_push_step(lua_State *L, const char *journey, const char *step);
int lh_reg_push_filter(lua_State *L, const char *journey, const char *which, size_t i);
int lh_reg_push_segment_where(lua_State *L, const char *segment);
int lh_reg_push_hook(lua_State *L, const char *kind, size_t i);

/* Number of hooks of `kind` (no allocation: safe outside a protected call). */
size_t lh_reg_count_hooks(lua_State *L, const char *kind);

/* Installs the registration functions into the sandbox prototype (lh_api.c). */
void lh_reg_register(lua_State *L, int proto);

#endif
