#!/bin/sh
# bench/engine_steps.sh - tern engine step transitions per second, and the SQL floor
#
# CONTACTS contacts (default 100,000), one `bench.start` event each, and the
# journey of bench/engine_steps/ (start: c:set, c:go; two: c:score, c:go;
# three: c:exit): three step transitions per contact. In one run, on one
# private durable cluster (fsync on):
#   1. floor: one SQL script doing the rows the engine writes, set-based, in
#      one transaction: the enrollments, three enrollment_steps rows each,
#      the contacts' attribute and score, the enrollments ended. What
#      PostgreSQL itself needs for these rows, without any engine logic;
#   2. one engine: the same database reset, `tern engine --once --no-send`:
#      the intake enrolls every contact and runs its three steps;
#   3. two engines: reset again, two `tern engine --no-send` daemons side by
#      side until every enrollment has ended: they take the intake's shards
#      (by contact) at once, so one's CPU overlaps the other's backend.
# Prints each leg's wall time and CPU seconds (client, and every process
# of the cluster), the step transitions per second against the issue's
# goal (20,000/s), the same per CPU second (what a shared, loaded machine
# does not blur) and tern / floor. Each leg checks its rows.
#
# Usage: bench/engine_steps.sh [CONTACTS]   (TERN: the binary, default
#        build/cli/tern; ENGINE_PERF=FILE records the engine with
#        `perf record -g`; SERVER_PERF=FILE records the whole machine during
#        the engine leg: `perf report -i FILE --comm postgres` shows the
#        cluster's part (both for the one-engine leg); ENGINES=N makes
#        the last leg N daemons, default 2; INTAKE_SHARDS=N sets the
#        number of intake shards, default what tern migrate makes)
set -eu
contacts=${1:-100000}
. "$(dirname "$0")/common.sh"

bench_cluster engine-steps
tern_conf "$work/tern.conf" "[engine]
scripts = $top/bench/engine_steps"
"$TERN" migrate >/dev/null
if [ -n "${INTAKE_SHARDS:-}" ]; then # made by an engine round with nothing to take in
    "$TERN" engine --intake-shards "$INTAKE_SHARDS" >/dev/null
    "$TERN" engine --once --no-send 2>/dev/null
fi

pg_sql "INSERT INTO tern.contacts (email, attributes)
        SELECT 'user' || g || '@example.com', jsonb_build_object('first_name', 'First' || g)
          FROM generate_series(1, $contacts) g"

# A fresh start for a leg: no enrollments, the contacts as imported, one
# entry event per contact, the intake cursor at the beginning.
reset() {
    pg_sql "TRUNCATE tern.enrollments, tern.enrollment_steps, tern.outbox, tern.events;
            UPDATE tern.contacts SET attributes = attributes - 'stage' - 'score';
            UPDATE tern.engine_cursor SET last_xid = '0',
                   last_id = '00000000-0000-0000-0000-000000000000'" >/dev/null
    pg_sql "INSERT INTO tern.events (id, contact_id, type, occurred_at)
            SELECT gen_random_uuid(), id, 'bench.start', now() FROM tern.contacts"
    pg_sql "VACUUM ANALYZE"
}

floor_sql="BEGIN;
INSERT INTO tern.enrollments (contact_id, journey, tenant, step, wake_at, trigger_event)
    SELECT contact_id, 'steps', 'default', 'start', now(), id FROM tern.events
     WHERE type = 'bench.start';
INSERT INTO tern.enrollment_steps (contact_id, enrollment_id, seq, journey, step, outcome, detail)
    SELECT e.contact_id, e.id, s.seq, e.journey, s.step, s.outcome, s.detail
      FROM tern.enrollments e,
           (VALUES (1, 'start', 'go', NULL), (2, 'two', 'go', NULL), (3, 'three', 'exit', 'done'))
           s (seq, step, outcome, detail);
UPDATE tern.contacts SET updated_at = now(),
       attributes = attributes || '{\"stage\": \"bench\"}'
                    || jsonb_build_object('score', coalesce((attributes->>'score')::numeric, 0) + 1);
UPDATE tern.enrollments SET status = 'exited', step = 'three', step_seq = 3, wake_at = NULL,
       trigger_event = NULL, end_reason = 'done', ended_at = now(), updated_at = now();
COMMIT;"

# The rows both legs must leave.
check() {
    got=$(pg_sql "SELECT (SELECT count(*) FROM tern.enrollments WHERE status = 'exited')
                  || ' ' || (SELECT count(*) FROM tern.enrollment_steps)
                  || ' ' || (SELECT count(*) FROM tern.contacts
                              WHERE attributes->>'score' = '1' AND attributes->>'stage' = 'bench')")
    [ "$got" = "$contacts $((3 * contacts)) $contacts" ] || {
        echo "$1: rows differ: exited, steps, contacts changed: $got" >&2; exit 1; }
}

# $1 daemons until every contact's enrollment has ended, then SIGTERM.
daemons() {
    pids=
    for i in $(seq "$1"); do
        "$TERN" engine --no-send 2>>"$work/engines.log" &
        pids="$pids $!"
    done
    while [ "$(pg_sql "SELECT count(*) FROM tern.enrollments WHERE status = 'exited'")" != "$contacts" ]; do
        sleep 0.1
    done
    kill -TERM $pids
    wait $pids || :
}

engine() {
    if [ -n "${SERVER_PERF:-}" ]; then
        perf record -q -a --call-graph dwarf,8192 -F 250 -o "$SERVER_PERF" &
        perf_pid=$!
    fi
    if [ -n "${ENGINE_PERF:-}" ]; then
        perf record -q --call-graph dwarf,16384 -F 2000 -o "$ENGINE_PERF" -- "$TERN" engine --once --no-send
    else
        "$TERN" engine --once --no-send
    fi
    if [ -n "${SERVER_PERF:-}" ]; then
        kill -INT "$perf_pid"
        wait "$perf_pid" || :
    fi
}

engines=${ENGINES:-2}
load=$(cut -d' ' -f1-3 /proc/loadavg)
reset
leg floor "$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -c "$floor_sql"
check floor
reset
leg one engine
check "one engine"
reset
leg many daemons "$engines"
check "$engines engines"

cat "$work/floor" "$work/one" "$work/many" | awk -v n="$contacts" -v load="$load" -v engines="$engines" '
    { wall[NR] = $2 - $1; client[NR] = $4 - $3; server[NR] = $6 - $5 }
    END {
        steps = 3 * n
        printf "contacts:       %d, %d step transitions; load average before: %s\n", n, steps, load
        split("floor (one SQL script):|tern engine --once:|" engines " tern engines:", name, "|")
        for (i = 1; i <= 3; i++)
            printf "%-23s %7.2f s  (%7.0f steps/s)  cpu: client %6.2f s, server %6.2f s\n",
                name[i], wall[i], steps / wall[i], client[i], server[i]
        for (i = 2; i <= 3; i++) {
            who = i == 2 ? "one engine" : engines " engines"
            printf "tern, %-11s %.0f step transitions/s (goal >= 20000: %.2f of it); %.0f per CPU second\n",
                who ":", steps / wall[i], steps / wall[i] / 20000, steps / (client[i] + server[i])
        }
        printf "                one engine and its backend take turns; engines take intake shards at once\n"
        printf "tern / floor:   %.1f x the wall time (one engine), %.1f x (%d engines)\n",
            wall[2] / wall[1], wall[3] / wall[1], engines
    }'
