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

run_tern rejects replay 1 7
is "$status" 1 "replaying an id that is not there fails"
like "$err" "1 of the ids given are not set-aside records" "and says so"
run_tern rejects replay x
is "$status" 2 "an id that is not a number is a usage error"
run_tern rejects
is "$status" 2 "rejects without list or replay is a usage error"

done_testing
