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
    struct buf copy; /* "contact\tt\tevent\n" joins, "contact\tf\tevent\n" leaves */
    int64_t joins, leaves;
    bool oom;
};

void en_seg_diff_add(struct en_seg_diff *d, const char *contact_id, bool joins);

/*
 * A diff of more rows than this is written in chunks of this many, each in
 * a transaction of its own (en_pg_segchunk.c); a smaller one in one.
 */
#define EN_SEG_CHUNK 50000

/* One chunk of a diff (COPY lines): BEGIN, its memberships and events, member_count, COMMIT.
 * out->entered and out->left grow by what it wrote. 0, or -1 (rolled back). */
int en_seg_write_chunk(PGconn *conn, const char *name, const char *data, size_t len,
                       struct en_seg_stats *out, char *err, size_t errlen);

/* Every chunk of d, over conn and a second session of its own. 0, or -1 with the first error. */
int en_seg_write_chunks(PGconn *conn, const char *name, const struct en_seg_diff *d,
                        struct en_seg_stats *out, char *err, size_t errlen);

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
