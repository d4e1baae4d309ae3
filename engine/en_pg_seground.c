/*
 * en_pg_seground.c - which segments a round of `tern engine` refreshes (see en_seg.h)
 *
 * One read of the segments' rows per round, then per registered segment:
 * a full refresh when it never ran, its definition or tenant changed, or
 * its refresh interval passed; otherwise a refresh of the contacts changed
 * since it last looked (cheap: an index probe on contacts.updated_at
 * finds none most rounds). A segment that failed waits EN_SEG_RETRY_S
 * unless its definition changed (a fixed script runs at once).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "en_pg_int.h"
#include "en_seg_int.h"

#define LOG_MODULE "engine"
#include "log.h"

enum { R_NAME, R_DEF, R_TENANT, R_REFRESHED, R_FAILED };

static int
find_row(PGresult *rows, const char *name)
{
    for (int i = 0; i < PQntuples(rows); i++)
        if (strcmp(PQgetvalue(rows, i, R_NAME), name) == 0) return i;
    return -1;
}

static bool
same_definition(PGresult *rows, int row, const struct lh_segment_info *seg)
{
    char def[320];
    return strcmp(PQgetvalue(rows, row, R_DEF), en_seg_definition(seg, def, sizeof def)) == 0 &&
           strcmp(PQgetvalue(rows, row, R_TENANT), seg->tenant ? seg->tenant : "") == 0;
}

/* -1 skip (failed recently), else the scope of this round's refresh. */
static int
scope_for(PGresult *rows, const struct lh_segment_info *seg, int64_t now)
{
    int row = find_row(rows, seg->name);
    if (row < 0 || !same_definition(rows, row, seg)) return EN_SEG_FULL;
    if (!PQgetisnull(rows, row, R_FAILED) &&
        now - atoll(PQgetvalue(rows, row, R_FAILED)) < EN_SEG_RETRY_S)
        return -1;
    if (PQgetisnull(rows, row, R_REFRESHED)) return EN_SEG_FULL;
    return now - atoll(PQgetvalue(rows, row, R_REFRESHED)) >= seg->refresh_s ? EN_SEG_FULL
                                                                             : EN_SEG_CHANGED;
}

static int
refresh_one(PGconn *conn, struct lh_state *st, const struct lh_segment_info *seg,
            enum en_seg_scope scope, int *changed)
{
    char why[EN_REASON_MAX];
    struct en_seg_stats s;
    int rc = en_seg_refresh(conn, st, seg, scope, &s, why, sizeof why);
    if (rc < 0) {
        log_error(NULL, "%s", why);
        return PQstatus(conn) == CONNECTION_OK ? 0 : -1;
    }
    if (rc == 0 && (s.entered || s.left || scope == EN_SEG_FULL))
        log_info(
            NULL,
            "segment %s: %s refresh, %" PRId64 " entered, %" PRId64 " left, %" PRId64 " members",
            seg->name, scope == EN_SEG_FULL ? "full" : "incremental", s.entered, s.left, s.members);
    if (rc == 0) *changed += (int)(s.entered + s.left);
    return 0;
}

int
en_seg_round(PGconn *conn, struct lh_state *st, const struct lh_reg *reg, int64_t now, int *changed,
             char *err, size_t errlen)
{
    *changed = 0;
    if (reg->nsegments == 0) return 0;
    PGresult *rows = en_pg_query(conn,
                                 "SELECT name, definition, coalesce(tenant, ''),"
                                 " extract(epoch FROM refreshed_at)::bigint,"
                                 " extract(epoch FROM failed_at)::bigint FROM segments",
                                 0, NULL, err, errlen);
    if (!rows) return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < reg->nsegments; i++) {
        int scope = scope_for(rows, &reg->segments[i], now);
        if (scope >= 0) rc = refresh_one(conn, st, &reg->segments[i], scope, changed);
    }
    PQclear(rows);
    if (rc < 0) snprintf(err, errlen, "segments: %s", PQerrorMessage(conn));
    return rc;
}
