#!/bin/sh
# Segments in PostgreSQL: refresh by hand and by tern engine, memberships with
# their times and events, in_segment entries, c:in_segment, failures that change nothing.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/engine_fixture.sh"
engine_setup
pg_sql "UPDATE tern.contacts SET attributes = '{\"score\": 60, \"country\": \"NL\"}' WHERE id = $ann"
bob=$(pg_sql "INSERT INTO tern.contacts (email, attributes)
              VALUES ('bob@example.com', '{\"score\": 10, \"country\": \"DE\"}') RETURNING id")

engine_segment leads <<'LUA'
segment "scored" { sql = "(attributes->>'score')::int >= 50" }
segment "dutch" { where = function(contact) return contact.country == "NL" end }
LUA
engine_segment bad <<'LUA'
segment "typo" { sql = "(attributes->>'score')::int >= 'many'" }
segment "raises" {
  where = function(contact)
    if contact.country == "DE" then error("no rule for DE") end
    return true
  end,
}
segment "writer" { sql = "nextval('tern.contacts_id_seq') > 0" }
LUA
engine_journey vip <<'LUA'
local j = journey "vip" { entry = in_segment "scored" }
function j.start(c) c:set("vip", true) return c:exit() end
return j
LUA
engine_journey probe <<'LUA'
local j = journey "probe" { entry = on "probe.now", reentry = "always" }
function j.start(c) c:set("in_scored", c:in_segment("scored")) return c:exit() end
return j
LUA
engine_journey boost <<'LUA'
local j = journey "boost" { entry = on "boost.now" }
function j.start(c) c:set("score", 80) return c:exit() end
return j
LUA

members() { # members SEGMENT: the current members' emails, comma-separated
    pg_sql "SELECT coalesce(string_agg(c.email, ',' ORDER BY c.email), '') FROM tern.segment_memberships m
              JOIN tern.contacts c ON c.id = m.contact_id WHERE m.segment = '$1' AND m.left_at IS NULL"
}
events() { # events TYPE SEGMENT: "contact_id,..." of the events written
    pg_sql "SELECT coalesce(string_agg(contact_id::text, ',' ORDER BY contact_id), '') FROM tern.events
             WHERE type = '$1' AND data->>'segment' = '$2'"
}

# --- an SQL segment joined, then left ---
run_tern segment refresh scored
is "$status" 0 "tern segment refresh runs"
like "$out" "scored: 1 entered, 0 left, 1 members" "it says who joined"
is "$(members scored)" "ann@example.com" "a contact matching the SQL condition becomes a member"
is "$(events segment.entered scored)" "$ann" "joining writes one segment.entered event with the segment's name"
is "$(pg_sql "SELECT count(*) FROM tern.segment_memberships WHERE segment = 'scored'
               AND entered_at > now() - interval '1 minute' AND left_at IS NULL")" 1 \
    "the membership carries its entry time"

pg_sql "UPDATE tern.contacts SET attributes = attributes || '{\"score\": 5}' WHERE id = $ann"
pg_sql "UPDATE tern.contacts SET attributes = attributes || '{\"score\": 70}' WHERE id = $bob"
run_tern segment refresh scored
is "$(members scored)" "bob@example.com" "the next refresh swaps who matches"
is "$(pg_sql "SELECT count(*) FROM tern.segment_memberships WHERE segment = 'scored'
               AND contact_id = $ann AND left_at >= entered_at")" 1 "the contact that no longer matches has left_at"
is "$(events segment.left scored)" "$ann" "leaving writes one segment.left event"
run_tern segment refresh scored
is "$(pg_sql "SELECT count(*) FROM tern.events WHERE data->>'segment' = 'scored'")" 3 \
    "a refresh that changes nothing writes no event"

# --- a Lua segment ---
run_tern segment refresh dutch
like "$out" "dutch: 1 entered, 0 left, 1 members \\(2 contacts evaluated\\)" "a Lua segment hands every contact to where"
is "$(members dutch)" "ann@example.com" "where's true makes a member"

pg_sql "UPDATE tern.contacts SET attributes = attributes || '{\"email\": \"spoof@example.com\", \"prefs\": {\"lang\": \"n\\u00e9\"}}'
         WHERE id = $ann"
cat >"$dir/scripts/segments/shape.lua" <<LUA
segment "shape" {
  where = function(c)
    return c.id == $ann and c.email == "ann@example.com" and c.status == "subscribed"
       and c.timezone == "UTC" and c.locale == json.null and c.tenant == "default"
       and c.prefs.lang == "n\u{e9}" and c.country == "NL"
  end,
}
LUA
run_tern segment refresh shape
is "$(members shape)" "ann@example.com" \
    "where sees the attributes, nested and unescaped, under the record's own fields"

# --- in_segment entries and c:in_segment through tern engine ---
engine_once
is "$(pg_sql "SELECT string_agg(contact_id::text, ',' ORDER BY contact_id) FROM tern.enrollments
               WHERE journey = 'vip'")" "$ann,$bob" \
    "the contacts that joined the segment enter the in_segment journey"
engine_once
is "$(pg_sql "SELECT count(*) FROM tern.enrollments WHERE journey = 'vip'")" 2 "each of them once"
run_tern event probe.now --contact "$bob"
engine_once
is "$(pg_sql "SELECT attributes->>'in_scored' FROM tern.contacts WHERE id = $bob")" "true" \
    "c:in_segment is true for a member after the refresh"

# --- an attribute change picked up by the next round, without a full refresh ---
full_at=$(pg_sql "SELECT refreshed_at FROM tern.segments WHERE name = 'scored'")
run_tern event boost.now --contact "$ann"
engine_once
is "$(members scored)" "ann@example.com,bob@example.com" "a c:set that puts a contact in the segment shows within the run"
is "$(pg_sql "SELECT refreshed_at FROM tern.segments WHERE name = 'scored'")" "$full_at" \
    "it was an incremental refresh"
is "$(events segment.entered scored)" "$ann,$ann,$bob" "joining again writes a new segment.entered event"

# --- a session left open does not make every refresh a full one ---
pg_sql "SELECT txid_current(), pg_sleep(5)" >/dev/null 2>&1 &
open_session=$!
sleep 1
before=$(pg_sql "SELECT now()")
run_tern segment refresh scored
is "$(pg_sql "SELECT refreshed_at >= '$before'::timestamptz AND checked_at < '$before'::timestamptz
               FROM tern.segments WHERE name = 'scored'")" t \
    "a full refresh counts from when it ran, the next incremental look from the open transaction"
wait $open_session

# --- failures report file:line and change nothing ---
run_tern segment refresh typo
is "$status" 1 "a bad SQL condition fails the refresh"
like "$err" "segments/bad.lua:1: segment \"typo\": ERROR:  invalid input syntax for type integer" \
    "with the segment's file:line and PostgreSQL's message"
is "$(pg_sql "SELECT count(*) FROM tern.segment_memberships WHERE segment = 'typo'")" 0 "nothing joined"
like "$(pg_sql "SELECT last_error FROM tern.segments WHERE name = 'typo'")" "^segments/bad.lua:1: " \
    "the error is kept on the segment's row"

run_tern segment refresh raises
like "$err" "segments/bad.lua:2: segment \"raises\": segments/bad.lua:4: no rule for DE \\(contact $bob\\)" \
    "a raising where fails the refresh with the where's file:line and the contact"
is "$(pg_sql "SELECT count(*) FROM tern.segment_memberships WHERE segment = 'raises'")" 0 \
    "contacts where accepted before the error did not join"

run_tern segment refresh writer
like "$err" "cannot execute nextval\\(\\) in a read-only transaction" "a condition that writes is refused"
is "$(pg_sql "SELECT count(*) FROM tern.segment_memberships WHERE segment = 'writer'")" 0 \
    "and joins nobody"

mkdir -p "$dir/escape/segments"
echo 'segment "esc" { sql = "true) UNION SELECT id FROM contacts WHERE (true" }' >"$dir/escape/segments/esc.lua"
run_tern lint "$dir/escape"
like "$out$err" "segments/esc.lua:1: segment \"esc\": sql: '\\)' without its '\\('" \
    "a condition that would leave its WHERE clause does not load"
cat >"$dir/escape/segments/esc.lua" <<'LUA'
segment "esc" { tenant = "nl",
  sql = "EXISTS (SELECT 1 FROM (SELECT 1 AS c) x$$y$ ) ) OR ( true OR (SELECT true FROM (SELECT 1) x$y$ )" }
LUA
run_tern lint "$dir/escape"
like "$out$err" "segments/esc.lua:[0-9]+: segment \"esc\": sql: '\\)' without its '\\('" \
    "nor does one that hides its ')' behind a '\$' inside an identifier"

run_tern segment refresh typo scored
is "$status" 1 "refreshing a failing segment and a good one fails"
like "$out" "scored: 0 entered, 0 left, [0-9]+ members" "but the good one is still refreshed"

run_tern segment refresh scored nosuch
is "$status" 1 "an unknown segment name fails"
like "$err" "no segment \"nosuch\"" "and is named"

# --- the schedule in tern engine ---
engine_segment later <<'LUA'
segment "later" { where = function(contact) return contact.country == "DE" end, refresh = "1h" }
LUA
engine_once
is "$(members later)" "bob@example.com" "tern engine refreshes a segment it never refreshed"
pg_sql "UPDATE tern.contacts SET attributes = attributes || '{\"country\": \"DE\"}',
               updated_at = now() - interval '1 day' WHERE id = $ann"
engine_once
is "$(members later)" "bob@example.com" "a round looks only at contacts changed since its last look"
pg_sql "UPDATE tern.segments SET refreshed_at = now() - interval '2 hours' WHERE name = 'later'"
engine_once
is "$(members later)" "ann@example.com,bob@example.com" \
    "once its refresh interval has passed, a segment is refreshed in full"
pg_sql "UPDATE tern.segments SET failed_at = now() - interval '2 minutes' WHERE name = 'typo'"
pg_sql "UPDATE tern.segments SET failed_at = now() WHERE name = 'writer'"
engine_once
like "$err" "segments/bad.lua:1: segment \"typo\": ERROR:" "a failed segment is tried again a minute later, and logged"
is "$status" 0 "tern engine goes on when a segment fails"
unlike "$err" "segment \"writer\"" "but not before"

# --- tenants ---
pg_sql "INSERT INTO tern.tenants (id) VALUES ('nl')"
cas=$(pg_sql "INSERT INTO tern.contacts (tenant, email, attributes)
              VALUES ('nl', 'cas@example.com', '{\"score\": 90, \"country\": \"NL\"}') RETURNING id")
engine_segment nl <<'LUA'
segment "nl_scored" { sql = "(attributes->>'score')::int >= 50", tenant = "nl" }
segment "nl_dutch" { where = function(contact) return contact.country == "NL" end, tenant = "nl" }
LUA
mkdir -p "$dir/scripts/nl/segments"
echo 'segment "nl_folder" { where = function(contact) return true end }' >"$dir/scripts/nl/segments/all.lua"
run_tern segment refresh nl_scored nl_dutch nl_folder
is "$(members nl_scored)" "cas@example.com" "a tenant's SQL segment holds only that tenant's contacts"
is "$(members nl_dutch)" "cas@example.com" "a tenant's Lua segment too"
is "$(members nl_folder)" "cas@example.com" "a segment in scripts/nl/ is the nl tenant's"
is "$(pg_sql "SELECT tenant FROM tern.segments WHERE name = 'nl_scored'")" "nl" "the segment's row names its tenant"

# --- list ---
run_tern segment list --json
is "$(printf '%s' "$out" | python3 -c 'import json,sys; print([s["members"] for s in json.load(sys.stdin) if s["name"] == "scored"][0])')" \
    2 "segment list --json shows the members"
run_tern segment list
like "$out" "nl_scored                sql  nl                  1" "segment list prints a table"

# --- two refreshes at once ---
pg_sql "INSERT INTO tern.contacts (email, attributes)
        SELECT 'many' || i || '@example.com', jsonb_build_object('score', 99) FROM generate_series(1, 20000) i"
engine_segment many <<'LUA'
segment "many_sql" { sql = "(attributes->>'score')::int = 99" }
segment "many_lua" { where = function(contact) return contact.score == 99 end }
LUA
run_tern segment refresh many_sql many_lua & p1=$!
run_tern segment refresh many_sql many_lua & p2=$!
wait $p1; wait $p2
is "$(pg_sql "SELECT count(*), count(DISTINCT contact_id) FROM tern.segment_memberships
               WHERE segment = 'many_sql' AND left_at IS NULL")" "20000|20000" \
    "two refreshes at once: each SQL membership once"
is "$(pg_sql "SELECT count(*) FROM tern.events WHERE type = 'segment.entered' AND data->>'segment' = 'many_lua'")" \
    20000 "two refreshes at once: each Lua join has one event"

done_testing
