#!/bin/sh
# engine_concurrency.t - no step commits twice: two engines at once, and an
# engine killed with SIGKILL in the middle of its batches, give exactly the
# results of one engine running undisturbed.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/engine_fixture.sh"
engine_setup

engine_journey count <<'LUA'
local j = journey "count" { entry = on "signup.done" }
function j.start(c)
  c:send "hello"
  c:emit("lead.counted", { n = 1 })
  return c:go "two"
end
function j.two(c)
  c:score(1)
  return c:exit "done"
end
return j
LUA

# N contacts (ann included), one entry event each.
contacts() {
    pg_sql "INSERT INTO tern.contacts (email) SELECT 'c' || g || '@example.com'
              FROM generate_series(2, $1) g"
    pg_sql "INSERT INTO tern.events (id, contact_id, type, occurred_at)
            SELECT gen_random_uuid(), id, 'signup.done', now() FROM tern.contacts"
}

# Every contact ran each step exactly once.
check_once() {
    n=$(pg_sql "SELECT count(*) FROM tern.contacts")
    is "$(pg_sql "SELECT count(*) FROM tern.enrollments WHERE status = 'exited'")" "$n" \
        "$1: every contact's enrollment ran to its end"
    is "$(pg_sql "SELECT count(*) FROM tern.outbox")" "$n" "$1: one mail per contact"
    is "$(pg_sql "SELECT count(*) FROM tern.contacts WHERE attributes->>'score' = '1'")" "$n" \
        "$1: every contact's score was added once"
    is "$(pg_sql "SELECT count(*) FROM tern.events WHERE type = 'lead.counted'")" "$n" \
        "$1: every emitted event was written once"
    is "$(pg_sql "SELECT count(*) FROM tern.enrollment_steps")" "$((2 * n))" \
        "$1: two step runs logged per enrollment"
}

contacts 450
"$TERN" engine --once --no-send 2>"$dir/e1.log" &
p1=$!
"$TERN" engine --once --no-send 2>"$dir/e2.log" &
p2=$!
wait $p1
wait $p2
run_tern engine --once --no-send # what the two left when they found nothing more to do at their end
check_once "two engines at once"

# Start over: the same journey, a fresh audience, and an engine killed repeatedly.
pg_sql "TRUNCATE tern.enrollments, tern.enrollment_steps, tern.outbox, tern.events"
pg_sql "DELETE FROM tern.contacts WHERE id <> $ann"
pg_sql "UPDATE tern.contacts SET attributes = '{}'"
contacts 1500
for delay in 0.3 0.2 0.4 0.2 0.3; do
    "$TERN" engine --no-send 2>>"$dir/killed.log" &
    pid=$!
    sleep $delay
    kill -9 $pid
    wait $pid 2>/dev/null
done
run_tern engine --once --no-send
check_once "after SIGKILLs"

done_testing
