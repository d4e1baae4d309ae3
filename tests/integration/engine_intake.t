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
