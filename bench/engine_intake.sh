#!/bin/sh
# bench/engine_intake.sh - the intake over events no journey reacts to, beside events it acts on
#
# ROWS events for 1,000 contacts in one run on one durable private cluster,
# taken in by `tern engine --once --no-send` with one journey that enters on
# `bench.go` and exits on `bench.stop`; no contact is enrolled:
#   1. ROWS `segment.entered` events of a segment no journey enters on (the
#      flood a large segment refresh writes, or opens nobody waits for):
#      passed over inside the intake's query;
#   2. the reference: ROWS `bench.stop` events, which a trigger names, so
#      the intake reads them in batches and looks at each contact's
#      enrollments, to find that nothing happens -- what every event cost
#      before the intake learnt to pass over the first kind.
# Prints each leg's wall and CPU seconds and their ratio.
#
# Usage: bench/engine_intake.sh [ROWS]     (default 100000; from the top of
#        the tree after building into build/, or set TERN)
set -eu
rows=${1:-100000}
. "$(dirname "$0")/common.sh"
bench_cluster intake
tern_conf "$work/tern.conf"
mkdir -p "$work/scripts/journeys"
cat >"$work/scripts/journeys/go.lua" <<'LUA'
local j = journey "go" { entry = on "bench.go", exit = on "bench.stop" }
function j.start(c) return c:exit() end
return j
LUA
printf '[engine]\nscripts = %s\n' "$work/scripts" >>"$work/tern.conf"
"$TERN" migrate >/dev/null
pg_sql "INSERT INTO tern.contacts (email) SELECT 'u' || g || '@example.com'
        FROM generate_series(1, 1000) g" >/dev/null

# events TYPE DATA: ROWS events of TYPE spread over the contacts, in one transaction.
events() {
    pg_sql "INSERT INTO tern.events (id, contact_id, type, occurred_at, data)
            SELECT gen_random_uuid(), c.id, '$1', now(), '$2'
              FROM tern.contacts c, generate_series(1, greatest($rows / 1000, 1))" >/dev/null
}
load=$(cut -d' ' -f1-3 /proc/loadavg)
events segment.entered '{"segment": "big"}'
leg passed "$TERN" engine --once --no-send 2>/dev/null
events bench.stop '{}'
leg looked "$TERN" engine --once --no-send 2>/dev/null
cat "$work/passed" "$work/looked" | awk -v rows="$rows" -v load="$load" '
    { wall[NR] = $2 - $1; server[NR] = $6 - $5; client[NR] = $4 - $3 }
    END {
        printf "events per leg:          %d (1,000 contacts); load average before: %s\n", rows, load
        printf "nothing reacts to them:  %6.2f s  cpu: engine %5.2f s, server %5.2f s\n", wall[1], client[1], server[1]
        printf "a trigger names them:    %6.2f s  cpu: engine %5.2f s, server %5.2f s\n", wall[2], client[2], server[2]
        printf "ratio passed / looked:   %.3f (wall)\n", wall[1] / wall[2]
    }'
