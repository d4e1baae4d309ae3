#!/bin/sh
# tern rejects: list the spooled records the drains set aside, and replay them
# once their cause is gone (applied ones deleted, refused ones kept).
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
tern_test_db

run_tern rejects list
is "$out" "no records set aside" "an empty table says so"

printf 'email\nann@example.com\n' >"$dir/c.csv"
"$TERN" contacts import "$dir/c.csv" >/dev/null || bail_out "import failed"
ann=$(pg_sql "SELECT id FROM contacts WHERE email = 'ann@example.com'")
good='{"kind":"event","id":"01a23783-0000-7000-8000-000000000001","contact_id":'$ann',"type":"order.placed","occurred_us":1764000000000000,"source":"api"}'
pg_sql "INSERT INTO record_rejects (kind, reason, record) VALUES
    (NULL, 'unknown kind (written by a newer tern?)', convert_to('{\"kind\": \"teleport\"}', 'UTF8')),
    ('event', 'PostgreSQL refused it: ERROR:  a check this installation has since relaxed',
     convert_to('$good', 'UTF8'))" >/dev/null || bail_out "cannot set records aside"

run_tern rejects list
is "$status" 0 "list exits 0"
like "$out" "^1  [0-9-]+ [0-9:]+  -  +unknown kind \\(written by a newer tern\\?\\)" \
    "list shows each record's id, time, kind and reason"
like "$out" '    \{"kind":"event","id":"01a23783-0000-7000-8000-000000000001",\.\.\.' \
    "and the start of the record"

run_tern rejects replay
is "$status" 1 "replay exits 1 when a record is refused again"
is "$out" "1 applied, 1 refused again and kept" "and says how many applied and how many were kept"
is "$(pg_sql "SELECT count(*) FROM events WHERE id = '01a23783-0000-7000-8000-000000000001'")" 1 \
    "the record that applies now is in PostgreSQL"
is "$(pg_sql "SELECT string_agg(id::text, ',') FROM record_rejects")" 1 \
    "it is deleted from the set-aside records, the other one is kept"

run_tern rejects show 1
is "$status" 0 "show exits 0 for a set-aside record"
is "$out" '{"kind": "teleport"}' "show prints the whole record as it was spooled"
run_tern rejects show 7
is "$status" 1 "show of an id that is not there fails"
like "$err" "1 of the ids given are not set-aside records" "and says so"

run_tern rejects replay 1 7
is "$status" 1 "replaying an id that is not there fails"
like "$err" "1 of the ids given are not set-aside records" "and says so"
run_tern rejects replay x
is "$status" 2 "an id that is not a number is a usage error"
run_tern rejects
is "$status" 2 "rejects without list, show, replay or drop is a usage error"

pg_sql "INSERT INTO record_rejects (id, kind, reason, record) OVERRIDING SYSTEM VALUE VALUES
    (20, NULL, 'test', convert_to('twenty', 'UTF8')), (21, NULL, 'test', convert_to('21', 'UTF8')),
    (22, NULL, 'test', convert_to('22', 'UTF8'))" >/dev/null || bail_out "cannot set records aside"
run_tern rejects drop
is "$status" 2 "drop without ids or --all is a usage error"
is "$(pg_sql "SELECT count(*) FROM record_rejects")" 4 "and deletes nothing"
run_tern rejects drop 20 99
is "$status" 1 "drop of an id that is not there fails"
is "$out" "1 deleted" "but deletes the ids that are"
is "$(pg_sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM record_rejects")" "1,21,22" \
    "only the record given is gone"
run_tern rejects show 99999999999999999999
is "$status" 2 "an id past bigint is a usage error, not a database one"
run_tern rejects drop 21 21
is "$status" 0 "an id given twice is one id"
is "$out" "1 deleted" "deleted once"
pg_sql "INSERT INTO record_rejects (id, kind, reason, record) OVERRIDING SYSTEM VALUE VALUES
    (21, NULL, 'test', convert_to('21', 'UTF8'))" >/dev/null || bail_out "cannot set a record aside"
run_tern rejects drop 21 22x
is "$status" 2 "drop with an id that is not a number is a usage error"
is "$(pg_sql "SELECT count(*) FROM record_rejects")" 3 "and deletes none of the ids given"
run_tern rejects drop --all
is "$status" 0 "drop --all exits 0"
is "$(pg_sql "SELECT count(*) FROM record_rejects")" 0 "and deletes every set-aside record"

done_testing
