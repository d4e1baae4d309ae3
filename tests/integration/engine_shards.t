#!/bin/sh
# engine_shards.t - the intake by shard of contact: a shard another engine
# holds is left to it while the others take their events in, and changing
# the number of shards (tern engine --intake-shards) hands every event to
# exactly one shard, old or new, also with a writer open across the change.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/engine_fixture.sh"
engine_setup

# Every c.hit taken in adds one to the contact's score, once.
engine_journey count <<'LUA'
local j = journey "count" { entry = on "c.hit", reentry = "always" }
function j.start(c)
  c:score(1)
  return c:exit "counted"
end
return j
LUA
pg_sql "INSERT INTO tern.contacts (email)
        SELECT 'c' || g || '@example.com' FROM generate_series(1, 7) g"
hit_all() {
    pg_sql "INSERT INTO tern.events (id, contact_id, type, occurred_at)
            SELECT gen_random_uuid(), id, 'c.hit', now() FROM tern.contacts"
}
scores() { # the contacts' scores, in id order
    pg_sql "SELECT string_agg(coalesce(attributes->>'score', '0'), ' ' ORDER BY id) FROM tern.contacts"
}
shards() { # how many shards, and the number a change asks for
    pg_sql "SELECT count(*) || ' ' || coalesce(max(reshard_to)::text, '-')
              FROM tern.engine_cursor WHERE name = 'intake'"
}

# session NAME SQL: a psql session that runs SQL, then stays in its
# transaction until `release NAME`.
session() {
    mkfifo "$dir/$1.go"
    {
        printf 'BEGIN;\n%s;\n' "$2"
        read -r _ <"$dir/$1.go"
        printf 'COMMIT;\n'
    } | "$PG_BINDIR/psql" -qAtX -v ON_ERROR_STOP=1 >/dev/null &
    eval "session_$1=\$!"
    n=0
    until [ "$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'")" -ge 1 ] ||
        [ $n -ge 100 ]; do
        sleep 0.1
        n=$((n + 1))
    done
}
release() {
    echo go >"$dir/$1.go"
    eval "wait \$session_$1"
    rm -f "$dir/$1.go"
}
hold_shard() { # NAME SHARD
    session "$1" "SELECT 1 FROM tern.engine_cursor WHERE name = 'intake' AND shard = $2 FOR UPDATE"
}

is "$(pg_sql "SELECT count(*) || ' ' || count(DISTINCT (last_xid, last_id))
                FROM tern.engine_cursor WHERE name = 'intake'")" "4 1" \
    "tern migrate leaves four intake shards at one position"

# Shard ann % 4 is held by another session, as by another engine in its batch.
held=$((ann % 4))
hit_all
hold_shard other $held
engine_once
is "$(pg_sql "SELECT count(*) FROM tern.contacts
                WHERE (attributes->>'score')::int = 1 AND id % 4 <> $held")" \
    "$(pg_sql "SELECT count(*) FROM tern.contacts WHERE id % 4 <> $held")" \
    "the free shards take their contacts' events in"
is "$(pg_sql "SELECT count(*) FROM tern.contacts WHERE id % 4 = $held AND attributes ? 'score'")" 0 \
    "a shard another engine holds is left to it"
release other
engine_once
is "$(scores)" "1 1 1 1 1 1 1 1" "once free, that shard takes its events in"

hit_all
run_tern engine --intake-shards 2
is "$status" 0 "tern engine --intake-shards 2 asks for two shards"
like "$out" "asked for 2 intake shards" "and says so"
is "$(shards)" "4 2" "the change waits for an engine"
engine_once
like "$err" "the intake now has 2 shards" "an engine makes it once the old shards passed its horizon"
is "$(shards)" "2 -" "two shards, nothing left to change"
is "$(scores)" "2 2 2 2 2 2 2 2" "the events before the change were taken in once each"
hit_all
engine_once
is "$(scores)" "3 3 3 3 3 3 3 3" "the new shards take the later events in"
run_tern engine --intake-shards 2
like "$out" "has 2 shards already" "asking for the number there is changes nothing"

# A change to 3, then an event of bob, then one old shard held: bob's event
# is above the change's horizon, so even the free old shard leaves it.
bob=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'c1@example.com'")
run_tern engine --intake-shards 3
run_tern event c.hit --email c1@example.com
hold_shard other $(((bob + 1) % 2))
engine_once
is "$(shards)" "2 3" "with an old shard held, the change waits"
is "$(pg_sql "SELECT attributes->>'score' FROM tern.contacts WHERE id = $bob")" 3 \
    "an event above the horizon is left for the new shards, even by a free old shard"
release other
engine_once
is "$(shards)" "3 -" "once the held shard passed the horizon, three shards start from it"
is "$(pg_sql "SELECT attributes->>'score' FROM tern.contacts WHERE id = $bob")" 4 \
    "and the new shards take the event above the horizon in"

# A writer open across a change to 4: its event is the new shards' once it commits.
session writer "INSERT INTO tern.events (id, contact_id, type, occurred_at)
                VALUES (gen_random_uuid(), $ann, 'c.hit', now())"
run_tern engine --intake-shards 4
engine_once
is "$(shards)" "4 -" "a writer open across the change does not hold it up"
is "$(pg_sql "SELECT attributes->>'score' FROM tern.contacts WHERE id = $ann")" 3 \
    "its event waits while it is open"
release writer
engine_once
is "$(pg_sql "SELECT attributes->>'score' FROM tern.contacts WHERE id = $ann")" 4 \
    "once committed, a new shard takes it in"
is "$(pg_sql "SELECT count(*) FROM tern.enrollments WHERE journey = 'count'")" \
    "$(pg_sql "SELECT count(*) FROM tern.events WHERE type = 'c.hit'")" \
    "every event was taken in exactly once"

run_tern engine --intake-shards 65
is "$status" 2 "--intake-shards over 64 is a usage error"
like "$err" "wants 1 to 64, not 65" "naming the range"
run_tern engine --once --intake-shards 2
is "$status" 2 "--intake-shards with --once is a usage error: it only asks"

done_testing
