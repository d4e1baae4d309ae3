#!/bin/sh
# tern event: records an event for an existing contact.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"

tern_test_db
pg_sql "INSERT INTO tern.tenants (id) VALUES ('nl');
        INSERT INTO tern.contacts (tenant, email) VALUES ('default', 'ann@example.com'), ('nl', 'ann@example.com')"

run_tern event order.placed --email Ann@Example.com --data '{"order":"A-1","total":12.5}'
is "$status" 0 "event for a known address succeeds"
like "$out" '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' "event prints its id"
row=$(pg_sql "SELECT c.tenant, e.type, e.source, e.data->>'order' FROM tern.events e JOIN tern.contacts c ON c.id = e.contact_id WHERE e.id = '$out'")
is "$row" "default|order.placed|cli|A-1" "event is stored for the default tenant's contact with its data"

run_tern event order.placed --email ann@example.com --tenant nl
is "$status" 0 "event for a contact of another tenant succeeds"
is "$(pg_sql "SELECT c.tenant FROM tern.events e JOIN tern.contacts c ON c.id = e.contact_id WHERE e.id = '$out'")" nl "--tenant picks the tenant's contact"

id=$(pg_sql "SELECT id FROM tern.contacts WHERE tenant = 'nl'")
run_tern event contact.confirmed --contact "$id" --at 2026-01-02T03:04:05Z
is "$status" 0 "event by contact id succeeds"
is "$(pg_sql "SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM tern.events WHERE id = '$out'")" "2026-01-02 03:04:05" "--at sets when it happened"

run_tern event order.placed --email nobody@example.com
is "$status" 1 "event for an unknown address fails"
like "$err" "no contact with address nobody@example.com in tenant default" "unknown address explained"

run_tern event order.placed --contact 999999
is "$status" 1 "event for an unknown contact id fails"
like "$err" "no contact with id 999999" "unknown id explained"

run_tern event order.placed --contact "$id" --at "not a time"
is "$status" 1 "event with an unparseable time fails"
like "$err" "invalid input syntax for type timestamp" "bad time explained by the database"

is "$(pg_sql "SELECT count(*) FROM tern.events")" 3 "failed commands recorded nothing"

done_testing
