#!/bin/sh
# bench/import.sh - `tern contacts import` versus `psql \copy`, same file, same cluster
#
# Generates a CSV of ROWS contacts (email + 5 attributes), then in one run:
#   1. psql \copy of the file into a bare table with the same six columns
#      (no indexes, no validation): the floor for getting rows into PostgreSQL;
#   2. tern contacts import of the same file into an empty, migrated schema
#      (validation, normalization, JSON attributes, upsert with indexes).
# Prints both times and tern / \copy. Goal: at most 2.0.
#
# Usage: bench/import.sh [ROWS]        (default 1000000; run from a build dir
#        or set TERN to the binary)
set -eu
rows=${1:-1000000}
top=$(cd "$(dirname "$0")/.." && pwd)
TERN=${TERN:-$top/build/cli/tern}
TERN_SRCDIR=$top
TERN_TMPDIR=${TERN_TMPDIR:-$top/bench/out}
export TERN TERN_SRCDIR TERN_TMPDIR
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/pg.sh"
. "$top/tests/lib/tern.sh"

mkdir -p "$TERN_TMPDIR"
work=$(mktemp -d "$(pg_scratch_root)/bench-import.XXXXXX")
chmod 755 "$work"
at_exit "pg_stop '$work/pg'; rm -rf '$work'"
pg_start "$work/pg" durable
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

now() { date +%s.%N; }

pg_sql "CREATE TABLE bare (email text, first_name text, last_name text, country text, orders text, signup_source text)"
t0=$(now)
"$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -c "\\copy bare FROM '$csv' WITH (FORMAT csv, HEADER true)"
t1=$(now)
"$TERN" contacts import "$csv" >"$work/import.out"
t2=$(now)

copied=$(pg_sql "SELECT count(*) FROM bare")
imported=$(pg_sql "SELECT count(*) FROM tern.contacts")
[ "$copied" = "$rows" ] && [ "$imported" = "$rows" ] || {
    echo "row counts differ: \\copy $copied, tern $imported, file $rows" >&2; exit 1; }

awk -v a="$t0" -v b="$t1" -v c="$t2" -v rows="$rows" -v size="$size" 'BEGIN {
    copy = b - a; tern = c - b
    printf "rows:                 %d (%s CSV)\n", rows, size
    printf "psql \\copy (bare):    %.2f s  (%.0f rows/s)\n", copy, rows / copy
    printf "tern contacts import: %.2f s  (%.0f rows/s)\n", tern, rows / tern
    printf "ratio tern / \\copy:   %.2f  (goal <= 2.0)\n", tern / copy
}'
