/*
 * en_pg_segsql.c - an SQL segment's diff, computed in a READ ONLY transaction
 *
 * The condition is marketer-written SQL spliced into one SELECT (it cannot
 * be a parameter). What keeps it harmless:
 *   - lib/sqlcond: one balanced expression (no ';', no comments, no
 *     parenthesis that closes the WHERE clause, no $n), checked at load
 *     and again here;
 *   - one statement through the extended protocol (PQexecParams refuses
 *     a second one anyway);
 *   - BEGIN READ ONLY: INSERT, UPDATE, DELETE, nextval(), DDL and any
 *     function doing them fail ("cannot execute ... in a read-only
 *     transaction");
 *   - a statement timeout, and ROLLBACK always, so even a set_config() in
 *     the condition leaves the session as it was.
 * The rows come back to the engine as the diff and are written by the
 * caller in a read-write transaction of its own.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "en_pg_int.h"
#include "en_seg_int.h"
#include "sqlcond.h"

/*
 * The diff: contacts that now match and are not members (t), members that
 * no longer match (f). A full refresh ($3 NULL) looks at every member; an
 * incremental one only at the members among the changed contacts, found
 * from those (a filter over every member took 0.4 s per round at 600,000
 * memberships). $3 is a bound parameter of an unnamed statement, so the
 * planner folds each "$3 IS NULL" and drops the branch that does not apply.
 */
static const char diff_head[] =
    "WITH changed AS MATERIALIZED (SELECT id FROM contacts"
    "  WHERE $3::timestamptz IS NOT NULL AND updated_at >= $3::timestamptz),"
    " now_in AS MATERIALIZED (SELECT id FROM contacts"
    " WHERE ($2::text IS NULL OR tenant = $2)"
    " AND ($3::timestamptz IS NULL OR updated_at >= $3::timestamptz) AND (";
static const char diff_tail[] =
    "\n))"
    " SELECT id, true FROM now_in n WHERE NOT EXISTS (SELECT 1 FROM segment_memberships m"
    "  WHERE m.segment = $1 AND m.contact_id = n.id AND m.left_at IS NULL)"
    " UNION ALL"
    " SELECT m.contact_id, false FROM segment_memberships m"
    "  WHERE $3::timestamptz IS NULL AND m.segment = $1 AND m.left_at IS NULL"
    "  AND NOT EXISTS (SELECT 1 FROM now_in n WHERE n.id = m.contact_id)"
    " UNION ALL"
    " SELECT m.contact_id, false FROM changed c JOIN segment_memberships m"
    "  ON m.segment = $1 AND m.contact_id = c.id AND m.left_at IS NULL"
    "  WHERE NOT EXISTS (SELECT 1 FROM now_in n WHERE n.id = m.contact_id)";

static PGresult *
select_diff(struct en_seg_eval *e, char *err, size_t errlen)
{
    struct buf sql = BUF_INIT;
    const char *p[] = {e->seg->name, e->seg->tenant, e->since};
    PGresult *res = NULL;
    if (!buf_puts(&sql, diff_head) || !buf_puts(&sql, e->seg->sql) || !buf_puts(&sql, diff_tail))
        snprintf(err, errlen, "out of memory");
    else
        res = en_pg_query(e->conn, buf_str(&sql), 3, p, err, errlen);
    buf_free(&sql);
    return res;
}

int
en_seg_eval_sql(struct en_seg_eval *e, char *err, size_t errlen)
{
    char why[128], begin[96];
    if (sqlcond_problem(e->seg->sql, strlen(e->seg->sql), why, sizeof why)) {
        snprintf(err, errlen, "sql: %s", why);
        return -1;
    }
    snprintf(begin, sizeof begin, "BEGIN READ ONLY; SET LOCAL statement_timeout = %d",
             EN_SEG_SQL_TIMEOUT_MS);
    if (!db_exec(e->conn, begin, err, errlen)) return -1;
    PGresult *res = select_diff(e, err, errlen);
    en_pg_rollback(e->conn); /* read only: nothing to keep, and no setting survives */
    if (!res) return -1;
    for (int i = 0; i < PQntuples(res); i++)
        en_seg_diff_add(e->diff, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1)[0] == 't');
    PQclear(res);
    e->evaluated = -1;
    if (e->diff->oom) snprintf(err, errlen, "out of memory");
    return e->diff->oom ? -1 : 0;
}
