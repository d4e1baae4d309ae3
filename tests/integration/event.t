#!/bin/sh
# tern event: records an event the way the events API does (unknown
# addresses become pending contacts, idempotency keys per tenant).
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

run_tern event order.placed --contact 999999
is "$status" 1 "event for an unknown contact id fails"
like "$err" "no contact with id 999999" "unknown id explained"
run_tern event order.placed --contact "$id" --tenant default
is "$status" 1 "event for a contact id of another tenant than --tenant fails"
like "$err" "no contact with id $id in tenant default" "naming the tenant"

run_tern event order.placed --contact "$id" --at "not a time"
is "$status" 2 "event with an unparseable time is a usage error"
like "$err" "--at: must be ISO 8601 with a zone" "bad time explained"
run_tern event order.placed --contact "$id" --at 2026-02-30T00:00:00Z
like "$err" "--at: is not a real date and time" "a date that does not exist is refused"
run_tern event order.placed --email ann@example.com --tenant xx
is "$status" 1 "event for an unknown tenant fails"
like "$err" "no tenant xx" "unknown tenant explained"

is "$(pg_sql "SELECT count(*) FROM tern.events")" 3 "failed commands recorded nothing"

run_tern event order.placed --email New@Example.com --tenant nl
is "$status" 0 "event for an unknown address succeeds, as in the events API"
is "$(pg_sql "SELECT c.tenant || ' ' || c.email || ' ' || c.status FROM tern.events e JOIN tern.contacts c ON c.id = e.contact_id WHERE e.id = '$out'")" \
    "nl new@example.com pending" "it is recorded for a new pending contact of the tenant, its address normalized"
run_tern event order.placed --email 'ann@@example.com'
is "$status" 2 "an address that is not one is a usage error"
like "$err" "--email: " "naming the option"

run_tern event order.placed --email ann@example.com --idempotency-key A-1
first=$out
run_tern event order.placed --email ann@example.com --idempotency-key A-1 --data '{"again":true}'
is "$status" 0 "an event with an idempotency key already used succeeds"
is "$out" "$first" "and prints the first event's id"
is "$(pg_sql "SELECT count(*) FROM tern.events WHERE type = 'order.placed' AND NOT data ? 'again' AND id = '$first'")|$(pg_sql "SELECT count(*) FROM tern.events WHERE data ? 'again'")" \
    "1|0" "without recording a second event"
run_tern event order.placed --email ann@example.com --tenant nl --idempotency-key A-1
ok "the same key in another tenant is another event" test "$out" != "$first"

done_testing
