/*
 * en_pg_batch.c - set-based reads and writes of one batch (see en_pg_int.h)
 *
 * A batch reads what its rows need with one `= ANY($1)` statement per
 * table and writes what it decided with one statement per table: the rows
 * go to PostgreSQL as one JSON array, taken apart by jsonb_to_recordset.
 * Round trips, not rows, are what a batch waits on. Every value travels
 * as a JSON string or object, so nothing is ever spliced into SQL.
 */
#include <stdio.h>
#include <stdlib.h>

#include "en_pg_int.h"

/* ---- array literals for = ANY($1) ---- */

void
en_pg_array_add(struct en_pg_array *a, const char *v)
{
    a->ok &= buf_putc(&a->b, a->b.len ? ',' : '{') && buf_puts(&a->b, v);
}

const char *
en_pg_array_end(struct en_pg_array *a)
{
    a->ok &= a->b.len ? buf_putc(&a->b, '}') : buf_puts(&a->b, "{}");
    return a->ok ? buf_str(&a->b) : NULL;
}

void
en_pg_array_free(struct en_pg_array *a)
{
    buf_free(&a->b);
    *a = (struct en_pg_array)EN_PG_ARRAY_INIT;
}

/* ---- rows written by one statement ---- */

int
en_pg_rows_write(PGconn *conn, const char *sql, json_t *rows, char *err, size_t errlen)
{
    if (json_array_size(rows) == 0) return 0;
    char *text = json_dumps(rows, JSON_COMPACT);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *p[] = {text};
    int rc = en_pg_cmd(conn, sql, 1, p, err, errlen);
    free(text);
    json_array_clear(rows);
    return rc;
}

const char EN_PG_STEPS_SQL[] =
    "INSERT INTO enrollment_steps (contact_id, enrollment_id, seq, journey, step, outcome, detail)"
    " SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(contact_id bigint, enrollment_id bigint,"
    " seq int, journey text, step text, outcome text, detail text)";

int
en_pg_step_row(json_t *rows, const char *contact_id, const char *enrollment_id, int seq,
               const char *journey, const char *step, const char *outcome, const char *detail)
{
    json_t *row = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s?}", "contact_id", contact_id,
                            "enrollment_id", enrollment_id, "seq", seq, "journey", journey, "step",
                            step, "outcome", outcome, "detail", detail);
    return row ? json_array_append_new(rows, row) : -1;
}

/* ---- the contacts' c:set and c:score ---- */

/* Every UPDATE of contacts runs the tenant check trigger once per
 * statement: one statement for the batch pays for it once. */
const char EN_PG_DELTAS_SQL[] =
    "UPDATE contacts c SET updated_at = now(), attributes = CASE WHEN n.score = 0 THEN n.a"
    " ELSE jsonb_set(n.a, '{score}', to_jsonb(coalesce(CASE WHEN jsonb_typeof(n.a->'score')"
    " = 'number' THEN (n.a->>'score')::numeric END, 0) + n.score)) END"
    " FROM (SELECT x.id, x.score, (o.attributes - x.drop) || x.patch AS a"
    " FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, drop text[], patch jsonb,"
    " score numeric) JOIN contacts o ON o.id = x.id) n WHERE c.id = n.id";

int
en_pg_delta_row(json_t *rows, int64_t contact_id, const struct en_pg_delta *x)
{
    if (!x->any) return 0;
    json_t *drop = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(x->drop, k, v) json_array_append_new(drop, json_string(k));
    char score[40]; /* as text: an integer score stays an integer */
    snprintf(score, sizeof score, "%.17g", x->score);
    json_t *row = json_pack("{s:I, s:o, s:O, s:s}", "id", (json_int_t)contact_id, "drop", drop,
                            "patch", x->patch, "score", score);
    return row ? json_array_append_new(rows, row) : -1;
}
