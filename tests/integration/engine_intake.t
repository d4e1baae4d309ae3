#!/bin/sh
# engine_intake.t - the intake misses no event of a writer that commits late
# (an event with an older transaction id than ones already taken in).
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/engine_fixture.sh"
engine_setup

engine_journey seen <<'LUA'
local j = journey "seen" { entry = { on "first.event", on "second.event" }, reentry = "always" }
function j.start(c)
  c:set(c.event.type:gsub("%.", "_"), true)
  return c:exit()
end
return j
LUA

# A writer that inserts its event, then stays open until told to commit.
mkfifo "$dir/go"
{
    printf "BEGIN;\nINSERT INTO tern.events (id, contact_id, type, occurred_at)
            VALUES (gen_random_uuid(), $ann, 'first.event', now());\n"
    read -r _ <"$dir/go"
    printf "COMMIT;\n"
} | "$PG_BINDIR/psql" -qAtX -v ON_ERROR_STOP=1 >/dev/null &
writer=$!
n=0
until [ "$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'")" = 1 ] ||
    [ $n -ge 100 ]; do
    sleep 0.1
    n=$((n + 1))
done
run_tern event second.event --email ann@example.com
engine_once
is "$(pg_sql "SELECT attributes->>'second_event' FROM tern.contacts WHERE id = $ann")" "" \
    "an event committed after an older open writer waits for that writer"
echo go >"$dir/go"
wait $writer
engine_once
is "$(pg_sql "SELECT concat_ws(' ', attributes->>'first_event', attributes->>'second_event')
                FROM tern.contacts WHERE id = $ann")" "true true" \
    "once the older writer commits, both events are taken in"
engine_once
is "$(pg_sql "SELECT count(*) FROM tern.enrollments WHERE journey = 'seen'")" 2 \
    "no event is taken in twice"

# Events no trigger names and no enrollment waits for are passed over; a type that only a
# c:wait_for names still reaches the enrollment waiting for it, behind thousands of others.
engine_journey waits <<'LUA'
local j = journey "waits" { entry = on "w.start" }
function j.start(c)
  return c:wait_for("w.reply", { timeout = "1d", matched = "got", timed_out = "late" })
end
function j.got(c) c:set("replied", c.event.data.n) return c:exit() end
function j.late(c) return c:exit "late" end
return j
LUA
run_tern event w.start --email ann@example.com
engine_once
pg_sql "INSERT INTO tern.events (id, contact_id, type, occurred_at)
        SELECT gen_random_uuid(), $ann, 'noise.tick', now() FROM generate_series(1, 3000)" >/dev/null
run_tern event w.reply --email ann@example.com --data '{"n": 7}'
engine_once
is "$(pg_sql "SELECT attributes->>'replied' FROM tern.contacts WHERE id = $ann")" 7 \
    "an awaited type no trigger names arrives behind 3,000 events nothing reacts to"
is "$(pg_sql "SELECT string_agg(step, ' ' ORDER BY seq) FROM tern.enrollment_steps
               WHERE journey = 'waits'")" "start got" \
    "the wait ends as matched, and the passed-over events ran no step"

# An event the intake would pass over matters once an earlier event of the same read has
# entered its contact in a journey whose first step waits for it.
engine_journey cart <<'LUA'
local j = journey "cart" { entry = on "cart.abandoned" }
function j.start(c)
  return c:wait_for("order.placed", { timeout = "1d", matched = "bought", timed_out = "nudge" })
end
function j.bought(c) return c:exit "bought" end
function j.nudge(c) return c:exit "nudged" end
return j
LUA
run_tern event cart.abandoned --email ann@example.com
run_tern event order.placed --email ann@example.com
engine_once
engine_once
is "$(pg_sql "SELECT concat_ws(' ', status, end_reason) FROM tern.enrollments
               WHERE contact_id = $ann AND journey = 'cart'")" "exited bought" \
    "an awaited event read together with the entry that waits for it ends the wait"

# The read window's last event may itself be relevant: the events behind it, up to the
# horizon, must still be read.
shards=$(pg_sql "SELECT shards FROM tern.engine_cursor WHERE name = 'intake' LIMIT 1")
pg_sql "INSERT INTO tern.contacts (email) SELECT 'peer' || g || '@example.com'
        FROM generate_series(1, $shards) g" >/dev/null
peer=$(pg_sql "SELECT id FROM tern.contacts WHERE email LIKE 'peer%' AND id % $shards = $ann % $shards")
pg_sql "INSERT INTO tern.events (id, contact_id, type, occurred_at)
        SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
               CASE WHEN g <= 10000 THEN $ann ELSE $peer END,
               CASE WHEN g < 10000 THEN 'noise.tick' ELSE 'first.event' END, now()
        FROM generate_series(1, 10001) g" >/dev/null
engine_once
engine_once
is "$(pg_sql "SELECT count(*) FROM tern.enrollments WHERE journey = 'seen' AND contact_id = $peer")" 1 \
    "an event behind a relevant one that ends the read window is taken in"

# jsonb keeps numbers of any size: 1e19 comes back as an integer beyond 64 bits. Neither an
# event whose data holds one nor a contact with one may stop the intake or park a step.
engine_journey big <<'LUA'
local j = journey "big" { entry = on "big.number" }
function j.start(c)
  c:set("revenue", c.event.data.amount * 2)
  return c:wait("1s", "later")
end
function j.later(c)
  c:set("revenue_seen", c.contact.revenue > 1e19)
  return c:exit "done"
end
return j
LUA
run_tern event big.number --email ann@example.com --data '{"amount": 1e19}'
run_tern event first.event --email "$(pg_sql "SELECT email FROM tern.contacts WHERE id = $peer")"
engine_once
is "$status" 0 "an event whose data holds an integer beyond 64 bits is taken in"
is "$(pg_sql "SELECT count(*) FROM tern.enrollments WHERE journey = 'seen' AND contact_id = $peer")" 2 \
    "and the events behind it too"
pg_sql "UPDATE tern.enrollments SET wake_at = now() - interval '1 second'
         WHERE journey = 'big' AND status IN ('active', 'waiting')" >/dev/null
engine_once
is "$(pg_sql "SELECT concat_ws(' ', status, end_reason) FROM tern.enrollments
               WHERE contact_id = $ann AND journey = 'big'")" "exited done" \
    "a step of a contact whose attribute is an integer beyond 64 bits runs"
is "$(pg_sql "SELECT attributes->>'revenue_seen' FROM tern.contacts WHERE id = $ann")" true \
    "and reads that attribute as a number"

# A backlog of events nothing reacts to, far more than one statement can pass within
# statement_timeout, is passed over window by window instead of failing every read.
pg_sql "INSERT INTO tern.events (id, contact_id, type, occurred_at)
        SELECT gen_random_uuid(), $ann, 'noise.tick', now() FROM generate_series(1, 500000)" >/dev/null
run_tern event first.event --email ann@example.com
pg_sql "UPDATE tern.contacts SET attributes = attributes - 'first_event' WHERE id = $ann"
sed -i 's/^statement_timeout = .*/statement_timeout = 150ms/' "$TERN_CONFIG"
engine_once
is "$status" 0 "the intake passes 500,000 irrelevant events with a 150 ms statement_timeout"
is "$(pg_sql "SELECT attributes->>'first_event' FROM tern.contacts WHERE id = $ann")" true \
    "and the event behind them enters its journey"

done_testing
