#!/bin/sh
# A segment refresh with more joins than one chunk (50,000) writes them in
# chunks of their own transaction: one that stops half-way keeps what it
# committed, and the next refresh writes the rest, no membership or event twice;
# the same when the engine is killed between two chunks.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/engine_fixture.sh"
engine_setup
pg_sql "INSERT INTO tern.contacts (email, attributes)
        SELECT 'c' || i || '@example.com', jsonb_build_object('score', 77) FROM generate_series(1, 110000) i"
engine_segment big <<'LUA'
segment "big" { sql = "(attributes->>'score')::int = 77" }
LUA
last=$(pg_sql "SELECT max(id) FROM tern.contacts")

# The chunk holding the last contact fails, as if the engine had stopped there.
pg_sql "CREATE FUNCTION tern.stop_at_last() RETURNS trigger LANGUAGE plpgsql AS \$\$
        BEGIN
            IF EXISTS (SELECT 1 FROM new_rows WHERE contact_id = $last) THEN
                RAISE EXCEPTION 'stopped half-way';
            END IF;
            RETURN NULL;
        END \$\$;
        CREATE TRIGGER stop_at_last AFTER INSERT ON tern.segment_memberships
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tern.stop_at_last()"

members() { pg_sql "SELECT count(*) FROM tern.segment_memberships WHERE segment = 'big' AND left_at IS NULL"; }
entered() { pg_sql "SELECT count(*) FROM tern.events WHERE type = 'segment.entered' AND data->>'segment' = 'big'"; }

run_tern segment refresh big
like "$err" "stopped half-way" "a chunk that fails fails the refresh"
half=$(members)
ok "the chunks committed before it keep their memberships ($half)" \
    test "$half" -gt 0 -a "$half" -lt 110000
is "$(entered)" "$half" "each with its segment.entered event"
is "$(pg_sql "SELECT member_count FROM tern.segments WHERE name = 'big'")" "$half" \
    "member_count counts what committed"
is "$(pg_sql "SELECT refreshed_at IS NULL FROM tern.segments WHERE name = 'big'")" t \
    "the segment is not refreshed, so the next round refreshes it in full"

pg_sql "DROP TRIGGER stop_at_last ON tern.segment_memberships"
run_tern segment refresh big
like "$out" "big: $((110000 - half)) entered, 0 left, 110000 members" "the next refresh writes only the rest"
is "$(pg_sql "SELECT count(*), count(DISTINCT contact_id) FROM tern.segment_memberships WHERE segment = 'big'")" \
    "110000|110000" "every contact is a member once"
is "$(pg_sql "SELECT count(*), count(DISTINCT contact_id) FROM tern.events
               WHERE type = 'segment.entered' AND data->>'segment' = 'big'")" "110000|110000" \
    "every contact has one segment.entered event"
is "$(pg_sql "SELECT refreshed_at IS NOT NULL FROM tern.segments WHERE name = 'big'")" t \
    "the completed refresh is recorded"

pg_sql "UPDATE tern.contacts SET attributes = '{\"score\": 1}' WHERE id % 2 = 0 AND attributes->>'score' = '77'"
run_tern segment refresh big
like "$out" "big: 0 entered, 55000 left, 55000 members" "a chunked refresh ends memberships too"
is "$(pg_sql "SELECT count(*) FROM tern.events WHERE type = 'segment.left' AND data->>'segment' = 'big'")" 55000 \
    "with one segment.left event each"

# --- the engine killed half-way ---
all=$(pg_sql "SELECT count(*) FROM tern.contacts WHERE attributes->>'score' = '77'") # 55,000: two chunks
engine_segment killed <<'LUA'
segment "killed" { sql = "(attributes->>'score')::int = 77" }
LUA
# The chunk holding the last contact takes 5 s more: the kill lands after
# the first chunk committed and before that one did.
pg_sql "CREATE FUNCTION tern.slow_chunk() RETURNS trigger LANGUAGE plpgsql AS \$\$
        BEGIN
            IF EXISTS (SELECT 1 FROM new_rows WHERE contact_id = $last) THEN PERFORM pg_sleep(5); END IF;
            RETURN NULL;
        END \$\$;
        CREATE TRIGGER slow_chunk AFTER INSERT ON tern.segment_memberships
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tern.slow_chunk()"
"$TERN" segment refresh killed >/dev/null 2>&1 &
pid=$!
n=0
until [ "$(pg_sql "SELECT count(*) FROM tern.segment_memberships WHERE segment = 'killed'")" -gt 0 ] ||
    [ $n -ge 300 ]; do
    sleep 0.05
    n=$((n + 1))
done
kill -9 $pid
wait $pid 2>/dev/null
n=0 # the sessions of the killed engine end, and with them its advisory lock
until [ "$(pg_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")" = 0 ] || [ $n -ge 300 ]; do
    sleep 0.1
    n=$((n + 1))
done
pg_sql "DROP TRIGGER slow_chunk ON tern.segment_memberships"
is "$(pg_sql "SELECT refreshed_at IS NULL FROM tern.segments WHERE name = 'killed'")" t \
    "an engine killed half-way leaves the segment not refreshed"
half=$(pg_sql "SELECT count(*) FROM tern.segment_memberships WHERE segment = 'killed'")
is "$(pg_sql "SELECT count(*) FROM tern.events WHERE type = 'segment.entered' AND data->>'segment' = 'killed'")" \
    "$half" "and each membership it committed with its event ($half)"
run_tern segment refresh killed
like "$out" "killed: $((all - half)) entered, 0 left, $all members" \
    "the next refresh after a kill writes only the rest"
is "$(pg_sql "SELECT count(*), count(DISTINCT contact_id) FROM tern.events
               WHERE type = 'segment.entered' AND data->>'segment' = 'killed'")" "$all|$all" \
    "one segment.entered event per contact after the kill"

done_testing
