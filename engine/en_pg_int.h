/*
 * en_pg_int.h - what the PostgreSQL store's files share (not for other modules)
 */
#ifndef TERN_EN_PG_INT_H
#define TERN_EN_PG_INT_H

#include <stdbool.h>

#include "buf.h"
#include "en_pg.h"
#include "en_notes.h"
#include "en_rules.h"

/*
 * Run `sql` with `n` text parameters (NULL: SQL NULL). The result, or NULL
 * with err filled when the command failed (the result is cleared then).
 */
PGresult *en_pg_query(PGconn *conn, const char *sql, int n, const char *const *params, char *err,
                      size_t errlen);

/* The same for a command whose result does not matter. 0 or -1. */
int en_pg_cmd(PGconn *conn, const char *sql, int n, const char *const *params, char *err,
              size_t errlen);

/* Roll back after a failure; the caller's err already says why. */
void en_pg_rollback(PGconn *conn);

/* Commit; 0 or -1 with err. */
int en_pg_commit(PGconn *conn, char *err, size_t errlen);

/* The journey called `name` in `reg`, or NULL. */
const struct lh_journey_info *en_pg_journey(const struct lh_reg *reg, const char *name);

/*
 * The intake's shard a batch holds (en_pg_shard.c). en_pg_shard_lock, in
 * the caller's transaction, locks shard `want` (-1: the free one advanced
 * longest ago, none of `skip`): 1, 0 when none is free, -1 on error. The
 * batch reads events with xid below `horizon` (the snapshot's xmin, or the
 * horizon of a change of the number of shards), after (last_xid, last_id).
 */
struct en_pg_shard {
    int want;
    const int *skip;
    int nskip;
    /* what was locked */
    bool locked, resharding;
    int shard, shards;
    char last_xid[24], last_id[40], horizon[24];
};
int en_pg_shard_lock(PGconn *conn, struct en_pg_shard *sh, char *err, size_t errlen);

/* Move the held shard's cursor past the event (xid, id); with xid NULL, past everything below
 * its horizon. 0 or -1. */
int en_pg_shard_advance(PGconn *conn, const struct en_pg_shard *sh, const char *xid, const char *id,
                        char *err, size_t errlen);

/* When a change of the number of shards is due (every shard past its horizon) and this
 * connection can hold every shard, make it, in its own transaction: 1 made, 0 not yet, -1. */
int en_pg_shard_swap(PGconn *conn, char *err, size_t errlen);

/* Reads of c:count and c:in_segment for one contact, in the caller's transaction. */
struct en_pg_store {
    PGconn *conn;
    const char *contact_id;
    const struct lh_reg *reg; /* the segments c:in_segment may name */
};
struct en_store en_pg_store(struct en_pg_store *ctx);

/* {"type", "at", "data"} as a step's c.event (a new reference), or NULL when out of memory
 * or `data` is not JSON. */
json_t *en_pg_event_json(const char *type, const char *epoch, const char *data);

/*
 * A contact's c:set and c:score over the steps (c:go hops) of one claim,
 * written with the batch's other contacts in one UPDATE.
 */
struct en_pg_delta {
    json_t *patch; /* attributes set */
    json_t *drop;  /* attributes removed (keys) */
    double score;  /* added after the patch */
    bool any;
};
void en_pg_delta_free(struct en_pg_delta *x);

/*
 * Run the first steps of enrollments the intake enters in this transaction
 * (en_pg_claim.c), as the claim would run them once due, and insert their
 * rows as the steps leave them. `rows` has the claim's columns: contact_id,
 * id (reserved from the identity), journey, step, step_seq, status, vars,
 * wait_event, trigger_event, attempts, tenant; `events` their trigger
 * events as c.event, by id (the intake has them at hand). 0, or -1 with err
 * when a statement failed (the caller rolls back; the transaction is
 * unusable).
 */
int en_pg_run_entered(const struct en_pg_run *r, PGresult *rows, json_t *events,
                      struct en_notes *notes, char *err, size_t errlen);

/* ---- set-based reads and writes of a batch (en_pg_batch.c) ---- */

/* A PostgreSQL array literal, "{a,b}", for `= ANY($1)`; the values must be ids (digits, uuids). */
struct en_pg_array {
    struct buf b;
    bool ok; /* false after an allocation failed */
};
#define EN_PG_ARRAY_INIT                                                                           \
    {                                                                                              \
        BUF_INIT, true                                                                             \
    }
void en_pg_array_add(struct en_pg_array *a, const char *v);
/* The literal ("{}" when empty), or NULL when out of memory. */
const char *en_pg_array_end(struct en_pg_array *a);
void en_pg_array_free(struct en_pg_array *a);

/*
 * Rows that one statement writes (jsonb_to_recordset($1::jsonb)), built as
 * the text of a JSON array. en_pg_row adds one row; `spec` names its
 * fields and their types, space-separated: "id:I name:s n:i data:j" takes
 * an int64_t, a string (NULL: null), an int and JSON text (NULL: null).
 * 0, or -1 when out of memory (then every later call fails too).
 */
struct en_pg_rows {
    struct buf b;
    int n;   /* rows so far */
    bool ok; /* false after an allocation failed */
};
#define EN_PG_ROWS_INIT                                                                            \
    {                                                                                              \
        BUF_INIT, 0, true                                                                          \
    }
int en_pg_row(struct en_pg_rows *r, const char *spec, ...);
void en_pg_rows_reset(struct en_pg_rows *r);
void en_pg_rows_free(struct en_pg_rows *r);

/* Run `sql` with the rows as $1 unless there are none; the rows are reset. 0 or -1. */
int en_pg_rows_write(PGconn *conn, const char *sql, struct en_pg_rows *r, char *err, size_t errlen);

/* enrollment_steps rows, one per step run (the idempotency key), as COPY text in `rows`;
 * written by en_pg_steps_write. `ran` false: the enrollment ended at `step` without running
 * it (a goal or exit event while it waited, a step gone at a reload). */
int en_pg_step_row(struct en_pg_rows *rows, const char *contact_id, const char *enrollment_id,
                   int seq, const char *journey, const char *step, const char *outcome,
                   const char *detail, bool ran);
int en_pg_steps_write(PGconn *conn, struct en_pg_rows *rows, char *err, size_t errlen);

/* A contact's pending change as a row for EN_PG_DELTAS_SQL (none when !x->any). 0 or -1. */
extern const char EN_PG_DELTAS_SQL[];
int en_pg_delta_row(struct en_pg_rows *rows, int64_t contact_id, const struct en_pg_delta *x);

/* What a step's effects are written for: one step run of one enrollment. */
struct en_pg_step {
    const struct en_pg_run *r;
    const struct lh_journey_info *j;
    const char *contact_id, *enrollment_id, *tenant, *step;
    int seq;                   /* the step run's sequence number (enrollment_steps.seq) */
    const json_t *event;       /* c.event or NULL: its data is a send's default data */
    json_t *contact;           /* the contact the steps read: changed along with the row */
    struct en_pg_delta *delta; /* where c:set and c:score go until the claim writes them */
};

/*
 * When the policy's caps next allow a marketing send of s->j (s->r->now
 * when they do), counting the contact's outbox rows in this transaction.
 * 0 or -1.
 */
int en_pg_cap_free_at(const struct en_pg_step *s, int64_t *free_at, const struct lh_cap **which,
                      char *err, size_t errlen);

/*
 * Write the decision's effects: outbox rows (a send over a cap is skipped,
 * as on_cap = "skip" and a second send of one step do), attribute sets and
 * score into s->delta (and onto s->contact, so a c:go hop sees them),
 * emitted events. *sent gets the rows written.
 */
int en_pg_effects(const struct en_pg_step *s, const struct en_decision *d, int *sent, char *err,
                  size_t errlen);

#endif
