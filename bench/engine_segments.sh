#!/bin/sh
# bench/engine_segments.sh - segment refresh over 1,000,000 contacts, beside what PostgreSQL alone takes
#
# One private, durable cluster; ROWS contacts (score 0-99, country, orders,
# stage) made with SQL (untimed). Then, in one run:
#   SQL segment  (attributes->>'score')::int >= 50, about half the contacts:
#     reference  psql: SELECT count(*) of the same condition (the evaluation alone)
#     first      tern segment refresh: everyone joins (memberships + events)
#     second     after 1,000 contacts changed their score: the refresh that
#                finds the few joins and leaves among all contacts
#   Lua segment  where = function(c) return c.country == "NL" and c.orders > 0 end:
#     reference  psql: COPY of the columns a where sees to /dev/null (reading alone)
#     first      tern segment refresh: every contact through where, joins written
#     second     the same contacts again, nothing changed: where over all of them
# Prints each leg's wall time, contacts/s for the Lua legs, tern / reference,
# and the CPU seconds of tern (client) and of the cluster. Goals (issue 6): an
# SQL refresh under 10 s, a Lua where segment at 200,000 contacts/s or more.
#
# Usage: bench/engine_segments.sh [ROWS]   (default 1000000; TERN=... for another build)
set -eu
rows=${1:-1000000}
. "$(dirname "$0")/common.sh"

bench_cluster segments
mkdir -p "$work/scripts/segments"
tern_conf "$work/tern.conf" "[engine]
scripts = $work/scripts"
"$TERN" migrate >/dev/null

cat >"$work/scripts/segments/bench.lua" <<'LUA'
segment "bench_sql" { sql = "(attributes->>'score')::int >= 50" }
segment "bench_lua" {
  where = function(contact) return contact.country == "NL" and (contact.orders or 0) > 0 end,
}
LUA

pg_sql "INSERT INTO tern.contacts (email, attributes)
        SELECT 'user' || i || '@example' || (i % 97) || '.com',
               jsonb_build_object('first_name', 'First' || i, 'score', (i * 37) % 100,
                                  'country', (ARRAY['NL','DE','ES','FR','IT','SE','PL','IE'])[i % 8 + 1],
                                  'orders', i % 17, 'stage', (ARRAY['cold','warm','hot'])[i % 3 + 1])
          FROM generate_series(1, $rows) i" >/dev/null
pg_sql "VACUUM ANALYZE tern.contacts" >/dev/null

# refresh SEGMENT OUT: tern segment refresh, its line kept in $work/OUT.out
refresh() { "$TERN" segment refresh "$1" >"$work/$2.out"; }
# psql_leg OUT SQL: the reference, its output kept in $work/OUT.out
psql_leg() { "$PG_BINDIR/psql" -qAtX -c "$2" >"$work/$1.out"; }

load=$(cut -d' ' -f1-3 /proc/loadavg)
leg sql_ref psql_leg sql_ref "SELECT count(*) FROM tern.contacts WHERE ((attributes->>'score')::int >= 50)"
leg sql_first refresh bench_sql sql_first
pg_sql "UPDATE tern.contacts SET attributes = attributes || jsonb_build_object('score', 99 - (attributes->>'score')::int)
         WHERE id % 2000 IN (0, 7)" >/dev/null # 500 of them join, 500 leave
leg sql_second refresh bench_sql sql_second
leg lua_ref psql_leg lua_ref "COPY (SELECT id, email, tenant, status, coalesce(timezone, 'UTC'), locale,
    attributes::text FROM tern.contacts ORDER BY id) TO '/dev/null'"
leg lua_first refresh bench_lua lua_first
leg lua_second refresh bench_lua lua_second

grep -q " $(pg_sql "SELECT count(*) FROM tern.contacts WHERE (attributes->>'score')::int >= 50") members" \
    "$work/sql_second.out" || { echo "SQL segment members differ: $(cat "$work/sql_second.out")" >&2; exit 1; }
grep -q "($rows contacts evaluated)" "$work/lua_second.out" || {
    echo "Lua segment did not evaluate every contact: $(cat "$work/lua_second.out")" >&2; exit 1; }

echo "contacts: $rows; load average before: $load"
echo "SQL: $(cat "$work/sql_first.out"); after 1,000 changes: $(cat "$work/sql_second.out")"
echo "Lua: $(cat "$work/lua_first.out"); again: $(cat "$work/lua_second.out")"
for n in sql_ref sql_first sql_second lua_ref lua_first lua_second; do printf '%s %s\n' "$n" "$(cat "$work/$n")"; done |
    awk -v rows="$rows" '
        { wall[$1] = $3 - $2; client[$1] = $5 - $4; server[$1] = $7 - $6 }
        function line(label, n, rate) {
            printf "%-34s %7.2f s", label, wall[n]
            if (rate) printf "  %8.0f contacts/s", rows / wall[n]; else printf "%21s", ""
            printf "  cpu: tern %5.2f s, server %5.2f s\n", client[n], server[n]
        }
        END {
            line("SQL reference (psql count):", "sql_ref", 0)
            line("SQL tern, first refresh:", "sql_first", 0)
            line("SQL tern, second (1,000 changed):", "sql_second", 0)
            printf "ratio tern / reference: first %.1f, second %.1f (goal: a refresh under 10 s)\n",
                wall["sql_first"] / wall["sql_ref"], wall["sql_second"] / wall["sql_ref"]
            line("Lua reference (psql COPY out):", "lua_ref", 1)
            line("Lua tern, first refresh:", "lua_first", 1)
            line("Lua tern, second (no change):", "lua_second", 1)
            printf "ratio tern / reference: first %.1f, second %.1f (goal: >= 200000 contacts/s)\n",
                wall["lua_first"] / wall["lua_ref"], wall["lua_second"] / wall["lua_ref"]
        }'
