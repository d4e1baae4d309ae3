/*
 * en_seg.h - segment refresh in PostgreSQL: who is a member, since when
 *
 * Owns: turning a registered segment (lua/lh_reg.h, `segment "x" {...}`)
 * into rows: `segments` (kind, definition, tenant, refreshed_at,
 * member_count), `segment_memberships` (entered_at, left_at) and one
 * segment.entered / segment.left event per change (data {"segment": x}),
 * which the intake hands to `in_segment` entries like any event.
 *
 * A refresh takes a session advisory lock on the segment (another process
 * refreshing it: this one skips it), evaluates the segment into a diff
 * against the current members, and writes the diff, its events and the
 * segment's row in one transaction. A failure (bad SQL, a raising where,
 * a timeout) writes nothing but the error on the segment's row. A diff of
 * more than 50,000 rows is written in chunks of their own transaction, over
 * this session and a second one at once; one that fails half-way keeps the
 * chunks that committed (memberships with their events), leaves the segment
 * not refreshed, and the next refresh writes the rest (engine/README.md).
 *
 *   SQL (`sql = "..."`): lib/sqlcond checked the condition at load (one
 *     balanced expression); the diff is computed by one SELECT in a READ
 *     ONLY transaction with EN_SEG_SQL_TIMEOUT_MS as statement timeout,
 *     always rolled back, so the condition can neither write nor leave a
 *     setting behind.
 *   Lua (`where = fn`): contacts in keyset batches of EN_SEG_BATCH on
 *     contacts.id (the next batch is read while this one is evaluated),
 *     each handed to where as the contact view (lib/contact_view: every
 *     attribute, then id, email, tenant, status, timezone, locale).
 *
 * EN_SEG_FULL evaluates every contact of the segment's tenant (all without
 * one); EN_SEG_CHANGED only contacts whose updated_at is at or after the
 * segment's checked_at (a refresh sets checked_at to the start of the
 * oldest transaction running when it began, so a late committer is seen
 * next time). Contacts of other tenants are never members. A deleted
 * contact's memberships go with it (a statement trigger on contacts that
 * replaced the foreign key's ON DELETE CASCADE, sql/0015), without an event.
 *
 * Depends on: lua/lh.h, lua/lh_reg.h, lua/lh_json.h, lib/db, libpq.
 */
#ifndef TERN_EN_SEG_H
#define TERN_EN_SEG_H

#include <stdint.h>

#include <libpq-fe.h>

#include "lua/lh.h"
#include "lua/lh_reg.h"

#define EN_SEG_BATCH          5000  /* contacts per batch of a Lua segment */
#define EN_SEG_SQL_TIMEOUT_MS 60000 /* statement timeout of an SQL segment's evaluation */
#define EN_SEG_RETRY_S        60    /* a failed segment waits this long (or a changed definition) */

enum en_seg_scope { EN_SEG_FULL, EN_SEG_CHANGED };

struct en_seg_stats {
    int64_t evaluated; /* contacts handed to where (Lua), or -1 (SQL: PostgreSQL counts) */
    int64_t entered, left, members;
};

/*
 * Refresh `seg` over `conn` (outside a transaction); `st` is a state leased
 * from the generation `seg` came from (Lua segments run where in it).
 * 0 done (*out filled), 1 skipped (another process holds the segment), or
 * -1 with err "file:line: segment \"x\": reason" (memberships untouched;
 * the reason is on the segment's row too).
 */
int en_seg_refresh(PGconn *conn, struct lh_state *st, const struct lh_segment_info *seg,
                   enum en_seg_scope scope, struct en_seg_stats *out, char *err, size_t errlen);

/*
 * What `tern engine` runs each round: every segment of `reg` whose refresh
 * interval passed since its last full refresh, or whose definition
 * changed, is refreshed in full; the others over the contacts changed
 * since. A failing segment is logged and retried after EN_SEG_RETRY_S.
 * *changed gets the memberships that changed. 0, or -1 with err when the
 * database itself failed.
 */
int en_seg_round(PGconn *conn, struct lh_state *st, const struct lh_reg *reg, int64_t now,
                 int *changed, char *err, size_t errlen);

#endif
