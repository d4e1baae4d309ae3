#!/bin/sh
# tern engine on a private PostgreSQL: entries, waits, wait_for, exits, errors.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/engine_fixture.sh"
engine_setup

engine_journey welcome <<'LUA'
local j = journey "welcome" { entry = on "signup.done", exit = on "order.placed" }
function j.start(c)
  c:send("welcome-1", { data = { coupon = "HELLO" } })
  c:set("stage", "new")
  return c:wait("2d", "tips")
end
function j.tips(c)
  c:send "welcome-tips"
  return c:wait_for("email.click", { timeout = "5d", matched = "engaged", timed_out = "nudge" })
end
function j.engaged(c) c:score(5) return c:exit "engaged" end
function j.nudge(c) return c:exit "nudged" end
return j
LUA
engine_journey broken <<'LUA'
local j = journey "broken" { entry = on "signup.done" }
function j.start(c)
  local x = nil
  return x.y
end
return j
LUA

engine_journey lookup <<'LUA'
local j = journey "lookup" { entry = on "signup.done" }
function j.start(c)
  local rows, err = db.query("SELECT count(*) AS n FROM contacts WHERE id = $1", c.contact.id)
  c:set("seen_by_query", rows and rows[1].n or err)
  return c:exit()
end
return j
LUA

run_tern event signup.done --email ann@example.com
engine_once
is "$(pg_sql "SELECT attributes->>'seen_by_query' FROM tern.contacts WHERE id = $ann")" "1" \
    "a step reads PostgreSQL with db.query"
is "$(engine_state welcome)" "waiting tips -" "an event enrolls the contact and the start step waits"
is "$(pg_sql "SELECT template || ' ' || (data->>'coupon') FROM tern.outbox WHERE contact_id = $ann")" \
    "welcome-1 HELLO" "the start step's send is in the outbox with its data"
is "$(pg_sql "SELECT attributes->>'stage' FROM tern.contacts WHERE id = $ann")" "new" \
    "c:set reaches the contact"
is "$(pg_sql "SELECT count(*) FROM tern.enrollment_steps WHERE journey = 'welcome'")" "1" \
    "one step run is logged"

like "$(pg_sql "SELECT status || ' ' || last_error FROM tern.enrollments WHERE journey = 'broken'")" \
    "^parked journeys/broken.lua:4: " "a step error parks that enrollment with file:line"
like "$err" "parked" "the parked step is logged"

engine_once
is "$(engine_state welcome)" "waiting tips -" "a wait is not run before it is due"

engine_due welcome
engine_once
is "$(engine_state welcome)" "waiting nudge email.click" \
    "after the wait the next step runs and waits for an event"

run_tern event email.click --email ann@example.com
engine_once
is "$(pg_sql "SELECT status || ' ' || end_reason FROM tern.enrollments WHERE journey = 'welcome'")" \
    "exited engaged" "a later event matches the wait_for and runs the matched step"
is "$(pg_sql "SELECT attributes->>'score' FROM tern.contacts WHERE id = $ann")" "5" \
    "c:score adds to the contact's score"

# A second enrollment (the default reentry is never: a new contact).
bob=$(pg_sql "INSERT INTO tern.contacts (email) VALUES ('bob@example.com') RETURNING id")
run_tern event signup.done --email bob@example.com
engine_once
engine_due welcome
engine_once
run_tern event order.placed --email bob@example.com
engine_once
is "$(pg_sql "SELECT status || ' ' || end_reason FROM tern.enrollments
               WHERE contact_id = $bob AND journey = 'welcome'")" \
    "exited on order.placed" "an exit event ends an enrollment while it waits"

run_tern event signup.done --email ann@example.com
engine_once
is "$(pg_sql "SELECT count(*) FROM tern.enrollments WHERE contact_id = $ann AND journey = 'welcome'")" \
    "1" "reentry never: a second entry event enrolls nobody"

is "$(pg_sql "SELECT attempts FROM tern.enrollments WHERE contact_id = $ann AND journey = 'broken'")" \
    "1" "a parked enrollment is not retried before its back-off"

# An event that is both an exit and the goal counts as the goal.
engine_journey buyer <<'LUA'
local j = journey "buyer" { entry = on "c.lead", exit = on "c.bought", goal = on "c.bought" }
function j.start(c) return c:wait("1d", "start") end
return j
LUA
run_tern event c.lead --email ann@example.com
engine_once
run_tern event c.bought --email ann@example.com
engine_once
is "$(pg_sql "SELECT status || ' ' || (converted_at IS NOT NULL) FROM tern.enrollments
               WHERE contact_id = $ann AND journey = 'buyer'")" "completed true" \
    "an event that is both exit and goal converts the enrollment"

# Events one step emits are taken in in the order it emitted them (five rounds: in a random
# order, a round would leave pair waiting half the time).
engine_journey emitter <<'LUA'
local j = journey "emitter" { entry = on "c.go", reentry = "always" }
function j.start(c) c:emit("c.one") c:emit("c.two") return c:exit "emitted" end
return j
LUA
engine_journey pair <<'LUA'
local j = journey "pair" { entry = on "c.one", exit = on "c.two", reentry = "always" }
function j.start(c) return c:wait("1d", "start") end
return j
LUA
for round in 1 2 3 4 5; do
    run_tern event c.go --email ann@example.com
    engine_once
    engine_once
done
is "$(pg_sql "SELECT string_agg(DISTINCT status || ' ' || coalesce(end_reason, '-'), ', ') || ' ' || count(*)
               FROM tern.enrollments WHERE contact_id = $ann AND journey = 'pair'")" \
    "exited on c.two 5" "each round's second event ends the enrollment its first one began"

# c:count over the contact's whole history, and over a recent stretch of it.
engine_journey counted <<'LUA'
local j = journey "counted" { entry = on "c.counted" }
function j.start(c)
  c:set("ever", c:count("c.counted"))
  c:set("lately", c:count("c.counted", { since = "1d" }))
  return c:exit "counted"
end
return j
LUA
pg_sql "INSERT INTO tern.events (id, contact_id, type, occurred_at)
        VALUES (gen_random_uuid(), $ann, 'c.counted', now() - interval '400 days')"
run_tern event c.counted --email ann@example.com
engine_once
is "$(pg_sql "SELECT (attributes->>'ever') || ' ' || (attributes->>'lately') FROM tern.contacts
               WHERE id = $ann")" "2 1" "c:count without since counts every event, with since the recent ones"
is "$(pg_sql "SELECT status FROM tern.enrollments WHERE contact_id = $ann AND journey = 'counted'
               ORDER BY id DESC LIMIT 1")" "exited" "and the step ran to its end"

# A read PostgreSQL refuses is the script's nil, err; the step's transaction goes on. Here the
# memberships are locked by another session past a 1 s statement_timeout.
engine_segment locked <<'LUA'
segment "locked" { where = function(contact) return false end }
LUA
engine_journey refused <<'LUA'
local j = journey "refused" { entry = on "c.refused" }
function j.start(c)
  local member, err = c:in_segment("locked")
  c:set("refused_member", member == nil and "nil" or tostring(member))
  c:set("refused_err", err)
  c:set("then_ever", c:count("c.refused"))
  return c:exit "read"
end
return j
LUA
run_tern event c.refused --email ann@example.com
mkfifo "$dir/unlock"
{
    printf "BEGIN; LOCK TABLE tern.segment_memberships IN ACCESS EXCLUSIVE MODE;\n"
    read -r _ <"$dir/unlock"
    printf "COMMIT;\n"
} | "$PG_BINDIR/psql" -qAtX -v ON_ERROR_STOP=1 >/dev/null &
locker=$!
n=0
until [ "$(pg_sql "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock'
                    AND relation = 'tern.segment_memberships'::regclass")" = 1 ] || [ $n -ge 100 ]; do
    sleep 0.1
    n=$((n + 1))
done
cp "$TERN_CONFIG" "$dir/patient.conf"
sed -i 's/^statement_timeout = .*/statement_timeout = 1s/' "$TERN_CONFIG"
run_tern engine --once --no-send
cp "$dir/patient.conf" "$TERN_CONFIG"
echo go >"$dir/unlock"
wait $locker
like "$(pg_sql "SELECT (attributes->>'refused_member') || ' ' || (attributes->>'refused_err')
                  FROM tern.contacts WHERE id = $ann")" '^nil .*statement timeout' \
    "a refused store read returns nil and PostgreSQL's reason"
is "$(pg_sql "SELECT (c.attributes->>'then_ever') || ' ' || e.status || ' ' || e.end_reason
               FROM tern.contacts c JOIN tern.enrollments e ON e.contact_id = c.id
              WHERE c.id = $ann AND e.journey = 'refused'")" "1 exited read" \
    "the step's later reads and writes commit and the enrollment is not parked"

# A since beyond the times PostgreSQL can hold counts as tern simulate counts it.
engine_journey far <<'LUA'
local j = journey "far" { entry = on "c.far" }
function j.start(c)
  c:set("far_future", c:count("c.far", { since = math.maxinteger }))
  c:set("far_past", c:count("c.far", { since = -1000000000000 }))
  return c:exit "read"
end
return j
LUA
run_tern event c.far --email ann@example.com
engine_once
is "$(pg_sql "SELECT (attributes->>'far_future') || ' ' || (attributes->>'far_past')
               FROM tern.contacts WHERE id = $ann")" "0 1" \
    "since after the last time PostgreSQL knows counts nothing, before its first every event"

# A c:go loop is parked at its 32nd step in a row, and its retries back off like any error.
engine_journey loop <<'LUA'
local j = journey "loop" { entry = on "loop.start" }
function j.start(c) return c:go "again" end
function j.again(c) return c:go "start" end
return j
LUA
run_tern event loop.start --email ann@example.com
engine_once
is "$(pg_sql "SELECT status || ' ' || attempts FROM tern.enrollments WHERE journey = 'loop'")" \
    "parked 1" "a c:go loop is parked"
pg_sql "UPDATE tern.enrollments SET wake_at = now() - interval '1 second' WHERE journey = 'loop'" >/dev/null
engine_once
is "$(pg_sql "SELECT attempts || ' ' || (wake_at > now() + interval '90 seconds')
               FROM tern.enrollments WHERE journey = 'loop'")" "2 true" \
    "and each retry of it counts, so its back-off grows"

# A segment no script defines is a script error, not false for everyone.
engine_journey typo <<'LUA'
local j = journey "typo" { entry = on "c.typo" }
function j.start(c)
  if c:in_segment("lockd") then return c:exit "member" end
  return c:exit "not a member"
end
return j
LUA
run_tern event c.typo --email ann@example.com
engine_once
like "$(pg_sql "SELECT status || ' ' || last_error FROM tern.enrollments WHERE journey = 'typo'")" \
    '^parked journeys/typo.lua:3: c:in_segment: no segment "lockd" in the scripts' \
    "c:in_segment of a segment no script defines parks the step with file:line"

done_testing
