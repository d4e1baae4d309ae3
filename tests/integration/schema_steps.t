#!/bin/sh
# The step log's link to its enrollment (sql 0014) and an enrollment's link
# to its contact (sql 0017): checked per statement, with what the foreign
# keys they replaced guaranteed.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"

pg_start_temp || bail_out "cannot start PostgreSQL"
tern_conf "$(tap_tmpdir)/tern.conf"
run_tern migrate
[ "$status" = 0 ] || bail_out "migrate failed: $out"

# Two contacts, one enrollment each, two step rows each.
pg_sql "INSERT INTO tern.contacts (email) VALUES ('a@example.com'), ('b@example.com');
        INSERT INTO tern.enrollments (contact_id, journey, step)
            SELECT id, 'j', 'start' FROM tern.contacts;
        INSERT INTO tern.enrollment_steps (contact_id, enrollment_id, seq, journey, step, outcome)
            SELECT contact_id, id, s, journey, 'start', 'go' FROM tern.enrollments, generate_series(1, 2) s" \
    >/dev/null || bail_out "cannot write the fixture rows"
steps() { pg_sql "SELECT count(*) FROM tern.enrollment_steps $1"; }
a=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'a@example.com'")
b=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'b@example.com'")

is "$(steps)" 4 "step rows of existing enrollments are accepted"

out=$(pg_sql "INSERT INTO tern.enrollment_steps (contact_id, enrollment_id, seq, journey, step, outcome)
              VALUES ($a, 999999, 1, 'j', 'start', 'go')" 2>&1)
like "$out" "enrollment 999999 of contact $a does not exist" "a step row of a missing enrollment is refused"

out=$(pg_sql "INSERT INTO tern.enrollment_steps (contact_id, enrollment_id, seq, journey, step, outcome)
              SELECT contact_id, id, 3, journey, 'start', 'go' FROM tern.enrollments
              UNION ALL SELECT $b, 999998, 1, 'j', 'start', 'go'" 2>&1)
like "$out" "enrollment 999998 of contact $b does not exist" "one missing enrollment refuses the whole statement"
is "$(steps)" 4 "nothing of the refused statement is kept"

out=$(pg_sql "UPDATE tern.enrollment_steps SET enrollment_id = 999997 WHERE contact_id = $a AND seq = 1" 2>&1)
like "$out" "enrollment 999997 of contact $a does not exist" "a step row cannot be moved to a missing enrollment"

out=$(pg_sql "UPDATE tern.enrollments SET contact_id = $b WHERE contact_id = $a" 2>&1)
like "$out" "enrollments: a row's contact_id does not change" "an enrollment keeps its contact"
out=$(pg_sql "UPDATE tern.contacts SET id = DEFAULT WHERE id = $a" 2>&1)
like "$out" "contact $a still has enrollments" "an enrolled contact's id does not change"

# An enrollment's contact (sql 0017), checked per statement.
out=$(pg_sql "INSERT INTO tern.enrollments (contact_id, journey, step) VALUES (999999, 'j', 'start')" 2>&1)
like "$out" "contact 999999 does not exist" "an enrollment of a missing contact is refused"
out=$(pg_sql "INSERT INTO tern.enrollments (contact_id, journey, step)
              VALUES ($a, 'k', 'start'), (999998, 'k', 'start')" 2>&1)
like "$out" "contact 999998 does not exist" "one missing contact refuses the whole statement"
is "$(pg_sql "SELECT count(*) FROM tern.enrollments WHERE journey = 'k'")" 0 \
    "nothing of the refused enrollments is kept"

pg_sql "DELETE FROM tern.contacts WHERE id = $a" >/dev/null
is "$(pg_sql "SELECT count(*) FROM tern.enrollments WHERE contact_id = $a")" 0 \
    "deleting a contact deletes its enrollments"
is "$(steps "WHERE contact_id = $a")" 0 "deleting a contact deletes its enrollments' step rows"
is "$(steps "WHERE contact_id = $b")" 2 "the other contact's step rows are kept"

pg_sql "DELETE FROM tern.enrollments WHERE contact_id = $b" >/dev/null
is "$(steps)" 0 "deleting an enrollment deletes its step rows"

pg_sql "INSERT INTO tern.enrollments (contact_id, journey, step) VALUES ($b, 'j', 'start');
        INSERT INTO tern.enrollment_steps (contact_id, enrollment_id, seq, journey, step, outcome)
            SELECT contact_id, id, 1, journey, 'start', 'go' FROM tern.enrollments" >/dev/null
pg_sql "TRUNCATE tern.enrollments" >/dev/null
is "$(steps)" 0 "truncating the enrollments empties the step log"

# A delete waits for the writer of new step rows, then takes them with it.
pg_sql "INSERT INTO tern.enrollments (contact_id, journey, step) VALUES ($b, 'j', 'start')" >/dev/null
e=$(pg_sql "SELECT id FROM tern.enrollments WHERE contact_id = $b")
{
    echo "BEGIN;"
    echo "INSERT INTO tern.enrollment_steps (contact_id, enrollment_id, seq, journey, step, outcome)
          VALUES ($b, $e, 1, 'j', 'start', 'go');"
    echo "SELECT pg_sleep(1);"
    echo "COMMIT;"
} | "$PG_BINDIR/psql" -qAtX >/dev/null 2>&1 &
writer=$!
sleep 0.3
pg_sql "DELETE FROM tern.enrollments WHERE id = $e" >/dev/null
wait $writer
is "$(steps)" 0 "a delete racing a step writer leaves no orphan step row"

# A contact's delete waits for the writer of its new enrollment, then takes it with it.
{
    echo "BEGIN;"
    echo "INSERT INTO tern.enrollments (contact_id, journey, step) VALUES ($b, 'late', 'start');"
    echo "SELECT pg_sleep(1);"
    echo "COMMIT;"
} | "$PG_BINDIR/psql" -qAtX >/dev/null 2>&1 &
writer=$!
sleep 0.3
pg_sql "DELETE FROM tern.contacts WHERE id = $b" >/dev/null
wait $writer
is "$(pg_sql "SELECT count(*) FROM tern.enrollments")" 0 \
    "a contact's delete racing an enrollment writer leaves no orphan enrollment"

done_testing
