/*
 * lh_reg_int.h - shared by lua/lh_reg*.c only: where registrations live
 *
 * The registry holds one root table (key: the address of lh_reg_root_key)
 * with integer slots, so C can reach them without allocating:
 *
 *   [REG_JOURNEYS] sequence of journey records   [REG_JOURNEY_NAMES] name -> record
 *   [REG_SEGMENTS] sequence of segment records   [REG_SEGMENT_NAMES] name -> record
 *   [REG_POLICY]   the policy record or nil      [REG_HOOKS]  sequence of message hooks
 *   [REG_SEALED]   true once lh_reg_validate ran: registering at run time is an error
 *
 * A record is a table with the validated, normalised fields lh_reg_get
 * copies out (see the setters in lh_reg_journey.c and lh_reg.c). Triggers
 * (`on`, `in_segment`) are userdata of metatable LH_TRIGGER_MT with the
 * name as user value 1 and the where function (or nil) as user value 2.
 */
#ifndef TERN_LH_REG_INT_H
#define TERN_LH_REG_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <lua.h>

#include "lh_reg.h"

enum {
    REG_JOURNEYS = 1,
    REG_JOURNEY_NAMES,
    REG_SEGMENTS,
    REG_SEGMENT_NAMES,
    REG_POLICY,
    REG_HOOKS,
    REG_SEALED, /* true once the generation loaded: no more registrations */
};

#define LH_TRIGGER_MT "tern.trigger"

extern const char lh_reg_root_key;

/* Where a registering call was made: the calling Lua function's file:line. */
struct lh_where {
    char file[256];
    int line;
};

/* A registration being parsed: what it is, its name and where, for messages. */
struct lh_regctx {
    const char *what; /* "journey", "segment", "policy" */
    const char *name; /* NULL for policy */
    struct lh_where at;
    int rec; /* stack index of the record being filled */
};

/* lh_reg.c */
void lh_reg_where(lua_State *L, struct lh_where *w);
int lh_reg_slot(lua_State *L, int slot); /* push root[slot]; its type */
void lh_reg_append(lua_State *L, int slot, int rec);
void lh_reg_check_open(lua_State *L, const struct lh_regctx *c);
int lh_reg_named(lua_State *L, const char *what, lua_CFunction options);
void lh_reg_ctx_from_upvalues(lua_State *L, struct lh_regctx *c, const char *what);
void lh_reg_new_record(lua_State *L, struct lh_regctx *c);
void lh_reg_claim_name(lua_State *L, const struct lh_regctx *c, int slot, int rec);

/* lh_reg_opts.c: raising validators; every message is "file:line: what \"name\": ..." */
int lh_reg_fail(lua_State *L, const struct lh_regctx *c, const char *fmt, ...);
const char *lh_reg_name_problem(const char *name, int step);
void lh_reg_check_name(lua_State *L, const struct lh_regctx *c, int idx, const char *kind);
int64_t lh_reg_duration(lua_State *L, const struct lh_regctx *c, int idx, const char *opt);
int lh_reg_choice(lua_State *L, const struct lh_regctx *c, int idx, const char *opt,
                  const char *const *choices);
void lh_reg_walk_options(lua_State *L, const struct lh_regctx *c, int opts, const char *within,
                         const char *const *known,
                         void (*set)(lua_State *L, const struct lh_regctx *c, const char *key,
                                     int val));
void lh_reg_window(lua_State *L, const struct lh_regctx *c, int val);
void lh_reg_caps(lua_State *L, const struct lh_regctx *c, int val);

/*
 * lh_reg_tenant.c: lh_reg_check_tenant_name raises unless the value at
 * `idx` is a tenant name. lh_reg_folder_tenant: a record registered from
 * a tenant's folder (scripts/nl/...) gets that tenant in `field` (a list
 * of one when `list`) when it names none, and raises when it names
 * another; shared files (journeys/, segments/, hooks/, lib/) are left as
 * they are.
 */
void lh_reg_check_tenant_name(lua_State *L, const struct lh_regctx *c, int idx);
void lh_reg_folder_tenant(lua_State *L, const struct lh_regctx *c, const char *field, bool list);

/* lh_reg_info.c: lh_reg_validate, not checking the journeys of `skip` files; every problem. */
int lh_reg_validate_except(struct lh_state *st, const char *const *skip, size_t nskip, char *err,
                           size_t errlen);

/* lh_reg_journey.c */
int lh_reg_journey(lua_State *L);

/* lh_reg_trigger.c */
void lh_reg_trigger_register(lua_State *L, int proto);
int lh_reg_is_trigger(lua_State *L, int idx, enum lh_trigger_kind *kind);

#endif
