/*
 * plan.h - the edit plan of one message, and playing it to the MTA
 *
 * Owns: the ordered list of milter operations a message ends up with:
 * header additions, changes and deletions in the order they were planned,
 * then the new body (if any) as one contiguous run of smfi_replacebody
 * chunks, so the MTA never sees a body replacement interleaved with
 * header edits. Everything is computed before the first operation is
 * sent: a message is either rewritten completely or not at all.
 *
 * Header values are stored without the leading space; plan_run() adds it
 * when SMFIP_HDR_LEADSPC was negotiated (the MTA then inserts nothing).
 *
 * Depends on: milter/smfi_ops, lib/buf.
 */
#ifndef TERN_MILTER_PLAN_H
#define TERN_MILTER_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "smfi_ops.h"

#define PLAN_BODY_CHUNK 65535 /* bytes per smfi_replacebody call (MILTER_CHUNK_SIZE) */

enum plan_kind { PLAN_ADD, PLAN_CHANGE };

struct plan_op {
    enum plan_kind kind;
    char *name;
    int index;   /* PLAN_CHANGE: 1-based occurrence of `name` */
    char *value; /* NULL: delete (PLAN_CHANGE) */
};

struct plan {
    struct plan_op *ops;
    size_t n, cap;
    bool replace_body;
    struct buf body;
};

void plan_init(struct plan *p);
void plan_free(struct plan *p);
/* Drop every operation and the body (back to "change nothing"). */
void plan_reset(struct plan *p);

/* Queue an operation. False on out of memory (the plan is unchanged). */
bool plan_add_header(struct plan *p, const char *name, const char *value);
bool plan_change_header(struct plan *p, const char *name, int index, const char *value);

/* Take over `body` (left empty) as the new body. */
void plan_set_body(struct plan *p, struct buf *body);

/* Whether the plan changes anything at all. */
bool plan_empty(const struct plan *p);

/*
 * Send the plan through `ops`. `leadspc`: SMFIP_HDR_LEADSPC was negotiated.
 * 0, or -1 with the failing operation named in `err` (the MTA connection
 * is then broken and the message must be tempfailed).
 */
int plan_run(const struct plan *p, const struct smfi_ops *ops, SMFICTX *ctx, bool leadspc,
             char *err, size_t errlen);

#endif
