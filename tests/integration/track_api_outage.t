#!/bin/sh
# Outage test of the events API: with PostgreSQL stopped the API keeps
# answering 202 from the spool, also after a restart (with the keys it
# saved), and once it is back every accepted item arrives exactly once:
# unknown addresses as pending contacts, repeated idempotency keys once,
# unknown contact ids kept in tern.event_rejects.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"
. "$TERN_SRCDIR/tests/integration/track_load.sh"

command -v curl >/dev/null && command -v python3 >/dev/null || skip_all "needs curl and python3"
tern_test_db
run_tern apikey create --name load
key=$out
track_conf "api_rate = 100000"
track_start || bail_out "tern track did not start"

# post BODY: the answer's body
post() {
    curl -s -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        --data-binary "$1" "$TRACK_URL/v1/events"
}
id_of() { printf '%s' "$1" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p'; }

# The test cluster commits asynchronously: make the schema and the key
# durable before the immediate stop, as a production server would have.
pg_sql "CHECKPOINT"
pg_stop
new=$(post '{"email":"new@example.com","type":"order.placed","idempotency_key":"A-1"}')
like "$new" '"status":"accepted"' "PostgreSQL down: an item for an unknown address is accepted"
again=$(post '{"email":"new@example.com","type":"order.placed","idempotency_key":"A-1"}')
like "$again" "\"status\":\"duplicate\",\"id\":\"$(id_of "$new")\"" \
    "its repeat is a duplicate with the first id"
lost=$(post '{"contact_id":999999,"type":"order.placed"}')
like "$lost" '"status":"accepted"' "an unknown contact id cannot be checked and is accepted"
track_kill
track_start || bail_out "tern track did not start again"
like "$(cat "$TRACK_LOG")" 'events API: 1 keys from ' "restarted while PostgreSQL is down, it uses the saved key"
late=$(post '{"email":"new@example.com","type":"order.placed","idempotency_key":"A-1"}')
like "$late" '"status":"accepted"' "and accepts a repeat it can no longer recognise"
pg_restart || bail_out "PostgreSQL did not come back"
track_wait_drained
is "$(pg_sql "SELECT c.status || ' ' || count(e.*) FROM tern.contacts c JOIN tern.events e ON e.contact_id = c.id WHERE c.email = 'new@example.com' GROUP BY c.status")" \
    "pending 1" "the address became a pending contact with one event"
is "$(pg_sql "SELECT event_id FROM tern.event_idempotency WHERE idempotency_key = 'A-1'")" "$(id_of "$new")" \
    "the first item with the key is the one kept"
is "$(pg_sql "SELECT reason FROM tern.event_rejects WHERE id = '$(id_of "$lost")'")" \
    "no such contact in tenant default" "the unknown contact id is kept in tern.event_rejects"
like "$(cat "$TRACK_LOG")" "api_event $(id_of "$lost") kept in tern.event_rejects" "and logged"

load_outage load.tick 2000 --api-key "$key"

done_testing
