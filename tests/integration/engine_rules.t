#!/bin/sh
# engine_rules.t - caps and priority in the claim's transaction, parked steps
# retried after their back-off, and steps that vanished at a reload.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/engine_fixture.sh"
engine_setup

# The simulator's caps tree: a cap of one a day, journeys high (80), low (20), receipt (transactional).
cp "$TERN_SRCDIR/tests/lua/engine/caps/journeys.lua" "$dir/scripts/journeys/clash.lua"

run_tern event c.go --email ann@example.com
engine_once
is "$(pg_sql "SELECT string_agg(template, ' ' ORDER BY template) FROM tern.outbox")" "high receipt" \
    "under a cap of one a day the higher priority sends, transactional mail is never capped"
is "$(pg_sql "SELECT status || ' ' || (wake_at > now() + interval '23 hours')
                FROM tern.enrollments WHERE journey = 'low'")" "active true" \
    "the capped step is deferred to when the cap frees"
is "$(pg_sql "SELECT outcome || ' ' || detail FROM tern.enrollment_steps WHERE journey = 'low'")" \
    "capped low" "the deferral is logged as capped"
rm "$dir/scripts/journeys/clash.lua"

# The simulator's skip tree: a cap of one a day with on_cap = "skip"; `news` sends two at once.
# Bob has had no mail yet today (Ann got one above).
cp "$TERN_SRCDIR/tests/lua/engine/skip/journeys.lua" "$dir/scripts/journeys/skip.lua"
pg_sql "INSERT INTO tern.contacts (email) VALUES ('bob@example.com')" >/dev/null
run_tern event n.go --email bob@example.com
engine_once
is "$(pg_sql "SELECT string_agg(template || ' ' || status, ', ' ORDER BY send_index)
                FROM tern.outbox WHERE journey = 'news'")" "first pending, second capped" \
    "with on_cap = skip a mail over the cap is kept as capped and never submitted"
is "$(pg_sql "SELECT last_error FROM tern.outbox WHERE status = 'capped'")" \
    "over the marketing cap 1/1d" "the capped mail names the cap"
is "$(pg_sql "SELECT status || ' ' || step FROM tern.enrollments WHERE journey = 'news'")" \
    "waiting later" "and the step goes on without it"
run_tern stats --journey news --json
is "$(printf '%s' "$out" | /usr/bin/python3 -c "import json,sys; print([s['capped_skipped'] for s in json.load(sys.stdin)[0]['steps'] if s['step'] == 'start'])")" \
    "[1]" "tern stats counts it"
rm "$dir/scripts/journeys/skip.lua"

engine_journey flaky <<'LUA'
local j = journey "flaky" { entry = on "c.flaky" }
function j.start(c)
  if not c.contact.ready then error("not ready yet") end
  return c:exit "ready"
end
return j
LUA
run_tern event c.flaky --email ann@example.com
engine_once
like "$(pg_sql "SELECT status || ' ' || attempts || ' ' || last_error FROM tern.enrollments
                 WHERE journey = 'flaky'")" "^parked 1 journeys/flaky.lua:3: not ready yet" \
    "a failing step parks with its file:line"
pg_sql "UPDATE tern.contacts SET attributes = attributes || '{\"ready\": true}' WHERE id = $ann"
pg_sql "UPDATE tern.enrollments SET wake_at = now() - interval '1 second' WHERE journey = 'flaky'"
engine_once
is "$(pg_sql "SELECT concat_ws(' ', status, attempts, end_reason, last_error) FROM tern.enrollments
               WHERE journey = 'flaky'")" "exited 0 ready" \
    "after its back-off the parked step runs again, still with its event"

engine_journey gone <<'LUA'
local j = journey "gone" { entry = on "c.gone" }
function j.start(c) return c:wait("1d", "later") end
function j.later(c) return c:exit() end
return j
LUA
run_tern event c.gone --email ann@example.com
engine_once
engine_journey gone <<'LUA'
local j = journey "gone" { entry = on "c.gone" }
function j.start(c) return c:wait("1d", "start") end
return j
LUA
engine_due gone
engine_once
is "$(pg_sql "SELECT status || ' ' || end_reason FROM tern.enrollments WHERE journey = 'gone'")" \
    'exited step "later" vanished at a reload' "an enrollment whose step vanished ends"
like "$err" 'error: .*step "later" vanished' "and the engine says so in its log"

engine_journey hops <<'LUA'
local j = journey "hops" { entry = on "c.hops" }
function j.start(c)
  c:set("hop", 1)
  c:score(2)
  return c:go "two"
end
function j.two(c)
  c:set("seen", c.contact.hop + c.contact.score)
  c:score(-0.5)
  return c:exit()
end
return j
LUA
pg_sql "UPDATE tern.contacts SET attributes = attributes || '{\"score\": 1}' WHERE id = $ann"
run_tern event c.hops --email ann@example.com
engine_once
is "$(pg_sql "SELECT concat_ws(' ', attributes->>'seen', attributes->>'score') FROM tern.contacts
               WHERE id = $ann")" "4 2.5" \
    "a step after c:go sees the attributes and score the step before it set"

done_testing
