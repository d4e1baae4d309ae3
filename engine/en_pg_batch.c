/*
 * en_pg_batch.c - set-based reads and writes of one batch (see en_pg_int.h)
 *
 * A batch reads what its rows need with one `= ANY($1)` statement per
 * table and writes what it decided with one statement per table: the rows
 * go to PostgreSQL as one JSON array, taken apart by jsonb_to_recordset,
 * or, for the step log, as COPY text.
 * Round trips, not rows, are what a batch waits on. Every value travels
 * as a JSON string or object, so nothing is ever spliced into SQL.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
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

/* ---- rows written by one statement, as JSON text ---- */

/* `v` as a JSON string (NULL: null). The bytes go as they are: PostgreSQL refuses text that
 * is not UTF-8, and the statement, not the engine, then fails. */
static void
put_str(struct en_pg_rows *r, const char *v)
{
    if (!v) {
        r->ok &= buf_puts(&r->b, "null");
        return;
    }
    const char *run = v;
    r->ok &= buf_putc(&r->b, '"');
    for (const char *p = v; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        r->ok &= buf_append(&r->b, run, (size_t)(p - run));
        r->ok &= c == '"' || c == '\\' ? buf_putc(&r->b, '\\') && buf_putc(&r->b, (char)c)
                                       : buf_printf(&r->b, "\\u%04x", c);
        run = p + 1;
    }
    r->ok &= buf_puts(&r->b, run) && buf_putc(&r->b, '"');
}

int
en_pg_row(struct en_pg_rows *r, const char *spec, ...)
{
    va_list ap;
    va_start(ap, spec);
    r->ok &= buf_puts(&r->b, r->n++ ? ",{" : "[{");
    for (const char *k = spec; *k;) {
        const char *colon = strchr(k, ':'), *next = colon + 2;
        r->ok &= buf_putc(&r->b, '"') && buf_append(&r->b, k, (size_t)(colon - k)) &&
                 buf_puts(&r->b, "\":");
        if (colon[1] == 's') put_str(r, va_arg(ap, const char *));
        if (colon[1] == 'i') r->ok &= buf_printf(&r->b, "%d", va_arg(ap, int));
        if (colon[1] == 'I') r->ok &= buf_printf(&r->b, "%lld", (long long)va_arg(ap, int64_t));
        if (colon[1] == 'j') {
            const char *json = va_arg(ap, const char *);
            r->ok &= buf_puts(&r->b, json ? json : "null");
        }
        if (*next) r->ok &= buf_putc(&r->b, ','), next++; /* past the space */
        k = next;
    }
    va_end(ap);
    r->ok &= buf_putc(&r->b, '}');
    return r->ok ? 0 : -1;
}

void
en_pg_rows_reset(struct en_pg_rows *r)
{
    buf_reset(&r->b);
    r->n = 0, r->ok = true;
}

void
en_pg_rows_free(struct en_pg_rows *r)
{
    buf_free(&r->b);
    en_pg_rows_reset(r);
}

int
en_pg_rows_write(PGconn *conn, const char *sql, struct en_pg_rows *r, char *err, size_t errlen)
{
    if (r->n == 0) return 0;
    int rc = -1;
    if ((r->ok &= buf_putc(&r->b, ']'))) {
        const char *p[] = {buf_str(&r->b)};
        rc = en_pg_cmd(conn, sql, 1, p, err, errlen);
    } else {
        snprintf(err, errlen, "out of memory");
    }
    en_pg_rows_reset(r);
    return rc;
}

/* COPY, not a statement over JSON: the step log is the largest write of a step (one row per
 * step run), and COPY spares parsing it as JSON and taking it apart again. */
int
en_pg_step_row(struct en_pg_rows *rows, const char *contact_id, const char *enrollment_id, int seq,
               const char *journey, const char *step, const char *outcome, const char *detail,
               bool ran)
{
    char n[16];
    snprintf(n, sizeof n, "%d", seq);
    const char *v[] = {contact_id, enrollment_id, n,      journey,
                       step,       outcome,       detail, ran ? "t" : "f"};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        rows->ok &= (!i || buf_putc(&rows->b, '\t')) && db_copy_field(&rows->b, v[i]);
    rows->ok &= buf_putc(&rows->b, '\n');
    rows->n++;
    return rows->ok ? 0 : -1;
}

int
en_pg_steps_write(PGconn *conn, struct en_pg_rows *rows, char *err, size_t errlen)
{
    if (rows->n == 0) return 0;
    int rc = -1;
    if (!rows->ok)
        snprintf(err, errlen, "out of memory");
    else if (db_copy_in(conn,
                        "COPY enrollment_steps (contact_id, enrollment_id, seq, journey, step,"
                        " outcome, detail, ran) FROM STDIN",
                        rows->b.data, rows->b.len, err, errlen))
        rc = 0;
    en_pg_rows_reset(rows);
    return rc;
}

/* ---- the contacts' c:set and c:score ---- */

/* One statement for the batch's contacts: one round trip, one plan. */
const char EN_PG_DELTAS_SQL[] =
    "UPDATE contacts c SET updated_at = now(), attributes = CASE WHEN n.score = 0 THEN n.a"
    " ELSE jsonb_set(n.a, '{score}', to_jsonb(coalesce(CASE WHEN jsonb_typeof(n.a->'score')"
    " = 'number' THEN (n.a->>'score')::numeric END, 0) + n.score)) END"
    " FROM (SELECT x.id, x.score, (o.attributes - ARRAY(SELECT jsonb_object_keys(x.drop)))"
    " || x.patch AS a FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, drop jsonb,"
    " patch jsonb, score numeric) JOIN contacts o ON o.id = x.id) n WHERE c.id = n.id";

int
en_pg_delta_row(struct en_pg_rows *rows, int64_t contact_id, const struct en_pg_delta *x)
{
    if (!x->any) return 0;
    char score[40]; /* as text: an integer score stays an integer */
    snprintf(score, sizeof score, "%.17g", x->score);
    char *drop = json_dumps(x->drop, JSON_COMPACT), *patch = json_dumps(x->patch, JSON_COMPACT);
    int rc = drop && patch
                 ? en_pg_row(rows, "id:I drop:j patch:j score:j", contact_id, drop, patch, score)
                 : -1;
    free(drop), free(patch);
    return rc;
}
