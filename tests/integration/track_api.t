#!/bin/sh
# POST /v1/events over real HTTP: keys made with `tern apikey`, auth
# failures, batches with per-item errors, unknown addresses becoming
# pending contacts, idempotency keys, rate limit.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
tern_test_db
pg_sql "INSERT INTO tern.tenants (id) VALUES ('nl');
        INSERT INTO tern.contacts (email) VALUES ('ann@example.com');
        INSERT INTO tern.contacts (tenant, email) VALUES ('nl', 'nel@example.com')"
ann=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'ann@example.com'")
nel=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'nel@example.com'")

run_tern apikey create --name shop
is "$status" 0 "tern apikey create makes a key"
like "$out" '^tern_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$' "and prints it once"
key=$out
is "$(pg_sql "SELECT count(*) FROM tern.api_keys WHERE secret_hash = sha256(convert_to('$key', 'UTF8'))")" 0 \
    "the stored hash is not a hash of the printed key text"
unlike "$(pg_sql "SELECT encode(secret_hash, 'hex') FROM tern.api_keys")" "${key#tern_*_}" "nor the secret itself"
run_tern apikey list
unlike "$out" "${key##*_}" "tern apikey list does not show secrets"
like "$out" 'active +[0-9-]+ +shop' "but shows the key as active"

track_conf "api_rate = 5
max_body = 4MB"
track_start || bail_out "tern track did not start"

# post BODY [CURL ARGS]: $code and $body
post() {
    b=$1; shift
    body=$(curl -s -o - -w '\n%{http_code}' -H 'Content-Type: application/json' "$@" \
        --data-binary "$b" "$TRACK_URL/v1/events")
    code=$(printf '%s' "$body" | tail -n 1)
    body=$(printf '%s' "$body" | sed '$d')
}
auth="Authorization: Bearer $key"

post '{"email":"ann@example.com","type":"order.placed"}'
is "$code" 401 "no key: 401"
post '{"email":"ann@example.com","type":"order.placed"}' -H "Authorization: Bearer tern_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
is "$code" 401 "an unknown key: 401"
post '{"email":"ann@example.com","type":"order.placed"}' -H "Authorization: Bearer $(track_tamper "$key")"
is "$code" 401 "a key with a wrong secret: 401"

post '{"email":"ANN@example.com","type":"order.placed","data":{"order":"A-1"},"idempotency_key":"o-1"}' -H "$auth"
is "$code" 202 "one event by address: 202"
like "$body" '"status":"accepted","id":"[0-9a-f-]{36}"' "with the id of the event"
first=$(printf '%s' "$body" | sed 's/.*"id":"\([0-9a-f-]*\)".*/\1/')
like "$first" '^[0-9a-f]{8}-[0-9a-f]{4}-7' "a time-ordered UUID (version 7) given at acceptance"
track_wait_drained
is "$(pg_sql "SELECT contact_id || ' ' || type || ' ' || source || ' ' || (data->>'order') FROM tern.events WHERE id = '$first'")" \
    "$ann order.placed api A-1" "the event is in PostgreSQL for the contact, with its data"

post '{"email":"ann@example.com","type":"order.placed","data":{"order":"A-1"},"idempotency_key":"o-1"}' -H "$auth"
is "$code" 202 "the same idempotency key again: 202"
like "$body" "\"status\":\"duplicate\",\"id\":\"$first\"" "reported as a duplicate with the first id"
track_wait_drained
is "$(pg_sql "SELECT count(*) FROM tern.events WHERE type = 'order.placed'")" 1 "and written once"
run_tern apikey create --name shop-2
key2=$out
sleep 6 # trackers reload the keys every 5 s
post '{"email":"ann@example.com","type":"order.placed","idempotency_key":"o-1"}' -H "Authorization: Bearer $key2"
like "$body" "\"status\":\"duplicate\",\"id\":\"$first\"" "another key of the same tenant with that key is a duplicate too"
track_stop
track_start || bail_out "tern track did not start again"
post '{"email":"ann@example.com","type":"order.placed","idempotency_key":"o-1"}' -H "$auth"
like "$body" "\"status\":\"duplicate\",\"id\":\"$first\"" "after a restart the first id comes from PostgreSQL"
track_wait_drained
is "$(pg_sql "SELECT count(*) FROM tern.events WHERE type = 'order.placed'")" 1 "still one event"

post "[{\"contact_id\":$ann,\"type\":\"cart.abandoned\",\"occurred_at\":\"2026-03-01T12:00:00Z\"},
       {\"email\":\"nobody@example.com\",\"type\":\"order.placed\"},
       {\"contact_id\":$nel,\"type\":\"order.placed\"},
       {\"email\":\"ann@example.com\",\"type\":\"Bad Type\"},
       {\"email\":\"ann@example.com\",\"contact_id\":$ann,\"type\":\"x.y\"},
       {\"email\":\"ann@example.com\",\"type\":\"x.y\",\"data\":[1]},
       {\"email\":\"ann@example.com\",\"type\":\"x.y\",\"occurred_at\":\"yesterday\"},
       {\"email\":\"ann@example.com\",\"type\":\"x.y\",\"colour\":\"red\"}]" -H "$auth"
is "$code" 202 "a batch with good and bad items: 202"
like "$body" '"accepted":2,"duplicates":0,"rejected":6' "counts every outcome"
like "$body" '"index":1,"status":"accepted","id":"' "an unknown address is accepted"
like "$body" '"index":2,"status":"rejected","error":"no such contact in tenant default"' \
    "a contact id of another tenant is out of the key's reach"
like "$body" '"index":3,"status":"rejected","error":"type: ' "a bad type is rejected with the field named"
like "$body" '"index":4,"status":"rejected","error":"give exactly one of email and contact_id"' \
    "email and contact_id together are rejected"
like "$body" '"index":5,"status":"rejected","error":"data: must be a JSON object"' "data must be an object"
like "$body" '"index":6,"status":"rejected","error":"occurred_at: ' "occurred_at must be ISO 8601"
like "$body" '"index":7,"status":"rejected","error":"unknown field' "unknown fields are rejected"
track_wait_drained
is "$(pg_sql "SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM tern.events WHERE type = 'cart.abandoned'")" \
    "2026-03-01 12:00" "occurred_at is kept"
is "$(pg_sql "SELECT tenant || ' ' || status FROM tern.contacts WHERE email = 'nobody@example.com'")" \
    "default pending" "the unknown address became a pending contact of the key's tenant"
is "$(pg_sql "SELECT count(*) FROM tern.events e JOIN tern.contacts c ON c.id = e.contact_id WHERE c.email = 'nobody@example.com'")" \
    1 "holding its event"

post '{"email":"ann@@example.com","type":"x.y"}' -H "$auth"
like "$body" '"status":"rejected","error":"email: ' "an address that is not one is rejected at once"
post '{"email":" Zoe@Example.COM ","type":"x.y"}' -H "$auth"
track_wait_drained
is "$(pg_sql "SELECT count(*) FROM tern.contacts WHERE email = 'zoe@example.com'")" 1 \
    "a new contact's address is stored normalized, as tern contacts import stores it"
post '[{"contact_id":999999,"type":"order.placed"}]' -H "$auth"
is "$code" 422 "a batch with nothing acceptable: 422"
post '{"email":"ann@example.com","type":"x.y","occurred_at":"2026-02-30T10:00:00Z"}' -H "$auth"
like "$body" '"error":"occurred_at: is not a real date and time"' "a date that does not exist is rejected at once"
post '{"email": ' -H "$auth"
is "$code" 400 "a body that is not JSON: 400"
like "$body" 'body is not JSON' "saying so"
python3 -c 'import json; print(json.dumps([{"contact_id": 1, "type": "x.y"}] * 1001))' >"$TRACK_DIR/big.json"
post @"$TRACK_DIR/big.json" -H "$auth"
is "$code" 400 "a batch of more than 1,000 events: 400"
python3 -c "import json; print(json.dumps([{\"contact_id\": $ann, \"type\": \"page.viewed\"}] * 1000))" >"$TRACK_DIR/full.json"
post @"$TRACK_DIR/full.json" -H "$auth"
is "$code" 202 "a batch of 1,000 events: 202"
track_wait_drained
is "$(pg_sql "SELECT count(*) FROM tern.events WHERE type = 'page.viewed'")" 1000 "all 1,000 are written"

# An item within max_body whose record would not fit the spool is that item's error.
big=$(tap_tmpdir)/big.json
python3 -c 'import sys; sys.stdout.write("[{\"email\":\"ann@example.com\",\"type\":\"big.one\",\"data\":{\"x\":\"" + "a" * 1100000 + "\"}},{\"email\":\"ann@example.com\",\"type\":\"small.one\"}]")' >"$big"
sleep 1 # the key's rate bucket refills
post "@$big" -H "$auth"
is "$code" 202 "a batch with an item too large for the spool: 202 for the rest"
like "$body" '"index":0,"status":"rejected","error":"too large: [0-9]+ bytes as a record, at most 1048576"' \
    "the large item is rejected with its size"
like "$body" '"index":1,"status":"accepted"' "the item after it is accepted"

# Twenty posts on one connection, as fast as curl sends them.
codes=$(curl -s -o /dev/null -w '%{http_code} ' -H "$auth" -H 'Content-Type: application/json' \
    --data-binary '{"email":"nobody@example.com","type":"x.y"}' \
    $(for i in $(seq 20); do printf '%s/v1/events ' "$TRACK_URL"; done))
like "$codes" '429' "over track.api_rate the key gets 429"

metrics=$(curl -s "$TRACK_URL/metrics")
like "$metrics" 'tern_track_api_items_total\{status="accepted"\} [1-9]' "/metrics counts accepted items"
like "$metrics" 'tern_track_api_items_total\{status="duplicate"\} [1-9]' "and duplicates"
like "$metrics" 'tern_track_api_items_total\{status="rejected"\} [1-9]' "and rejected ones"

key_id=$(printf '%s' "$key" | cut -d_ -f2)
run_tern apikey revoke "$key_id"
is "$status" 0 "tern apikey revoke revokes"
sleep 6
post '{"email":"ann@example.com","type":"x.y"}' -H "$auth"
is "$code" 401 "a revoked key stops working within a reload"

done_testing
