/*
 * en_seg_int.h - what the segment refresh files share (not for other modules)
 */
#ifndef TERN_EN_SEG_INT_H
#define TERN_EN_SEG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "en_seg.h"

/* The contacts that join and leave, as COPY text for the temporary table seg_diff. */
struct en_seg_diff {
    struct buf copy; /* "id\tt\n" joins, "id\tf\n" leaves */
    int64_t joins, leaves;
    bool oom;
};

void en_seg_diff_add(struct en_seg_diff *d, const char *contact_id, bool joins);

/* The `definition` column: the SQL condition, or "where function at FILE:LINE" in buf. */
const char *en_seg_definition(const struct lh_segment_info *seg, char *buf, size_t buflen);

/* What one evaluation works on. since: NULL for EN_SEG_FULL, else checked_at. */
struct en_seg_eval {
    PGconn *conn;
    struct lh_state *st;
    const struct lh_segment_info *seg;
    const char *since;
    struct en_seg_diff *diff;
    int64_t evaluated;
};

/* en_pg_segsql.c / en_pg_seglua.c: fill e->diff. 0, or -1 with the reason in err. */
int en_seg_eval_sql(struct en_seg_eval *e, char *err, size_t errlen);
int en_seg_eval_lua(struct en_seg_eval *e, char *err, size_t errlen);

#endif
