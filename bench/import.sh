#!/bin/sh
# bench/import.sh - `tern contacts import` versus `psql \copy`, same file, same cluster
#
# Generates a CSV of ROWS contacts (email + 5 attributes), then in one run:
#   1. psql \copy of the file into a bare table with the same six columns
#      (no indexes, no validation): the floor for getting rows into PostgreSQL;
#   2. psql \copy of the same rows, already in tern.contacts' form (address
#      lower-cased, attributes as JSON text), into tern.contacts itself: what
#      the schema's own work costs (jsonb, identity, checks, the tenant
#      check, the primary key and the unique address index), without Tern;
#   3. tern contacts import of the CSV into the emptied, migrated schema
#      (validation, normalization, JSON attributes, upsert with indexes).
# Prints each leg's wall time and CPU seconds (client, and all of the
# cluster's processes), and tern / \copy. Goal: at most 2.0. A checkpoint
# before each leg keeps one leg's dirty pages from being written in the next.
#
# Usage: bench/import.sh [ROWS]        (default 1000000; run from a build dir
#        or set TERN to the binary)
set -eu
rows=${1:-1000000}
. "$(dirname "$0")/common.sh"

bench_cluster import
tern_conf "$work/tern.conf"
"$TERN" migrate >/dev/null

csv=$work/contacts.csv
awk -v n="$rows" 'BEGIN {
    print "email,first_name,last_name,country,orders:int,signup_source"
    split("NL DE ES FR IT SE PL IE", cc, " ")
    for (i = 1; i <= n; i++)
        printf "user%d@example%d.com,First%d,Last%d,%s,%d,campaign-%d\n", i, i % 97, i, i % 1013, cc[i % 8 + 1], i % 17, i % 31
}' >"$csv"
chmod 644 "$csv"
size=$(du -h "$csv" | cut -f1)

load=$(cut -d' ' -f1-3 /proc/loadavg)
pg_sql "CREATE TABLE bare (email text, first_name text, last_name text, country text, orders text, signup_source text)"
leg copy "$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -c "\\copy bare FROM '$csv' WITH (FORMAT csv, HEADER true)"

# The rows as tern.contacts stores them, made from the bare table (untimed).
schema_rows=$work/contacts.copy
"$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -c "\\copy (SELECT 'default', lower(email),
    jsonb_build_object('first_name', first_name, 'last_name', last_name, 'country', country,
                       'orders', orders::int, 'signup_source', signup_source),
    NULL, NULL, 'subscribed' FROM bare) TO '$schema_rows'"
leg schema "$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 \
    -c "\\copy tern.contacts (tenant, email, attributes, timezone, locale, status) FROM '$schema_rows'"
floored=$(pg_sql "SELECT count(*) FROM tern.contacts")
pg_sql "TRUNCATE tern.contacts RESTART IDENTITY CASCADE" >/dev/null 2>&1

leg tern "$TERN" contacts import "$csv" >"$work/import.out"

copied=$(pg_sql "SELECT count(*) FROM bare")
imported=$(pg_sql "SELECT count(*) FROM tern.contacts")
[ "$copied" = "$rows" ] && [ "$floored" = "$rows" ] && [ "$imported" = "$rows" ] || {
    echo "row counts differ: \\copy $copied, schema $floored, tern $imported, file $rows" >&2; exit 1; }

cat "$work/copy" "$work/schema" "$work/tern" | awk -v rows="$rows" -v size="$size" -v load="$load" '
    { wall[NR] = $2 - $1; client[NR] = $4 - $3; server[NR] = $6 - $5 }
    END {
        split("psql \\copy (bare):|psql \\copy (schema):|tern contacts import:", name, "|")
        printf "rows:                 %d (%s CSV); load average before: %s\n", rows, size, load
        for (i = 1; i <= 3; i++)
            printf "%-21s %6.2f s  (%7.0f rows/s)  cpu: client %5.2f s, server %5.2f s\n",
                name[i], wall[i], rows / wall[i], client[i], server[i]
        printf "ratio tern / \\copy:   %.2f  (goal <= 2.0); schema / \\copy %.2f; tern / schema %.2f\n",
            wall[3] / wall[1], wall[2] / wall[1], wall[3] / wall[2]
        printf "cpu ratio tern / \\copy: %.2f (client + server CPU seconds)\n",
            (client[3] + server[3]) / (client[1] + server[1])
    }'
