#!/bin/sh
# Unplaced events API items stay in tern.event_rejects by default, and so do
# the spooled records set aside in tern.record_rejects; with
# engine.rejects_keep the engine deletes the ones older than it.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/engine_fixture.sh"
engine_setup

rejects() { # NAME AGE...: unplaced items rejected AGE ago, the name in their item
    while [ $# -gt 0 ]; do
        pg_sql "INSERT INTO tern.event_rejects (id, tenant, item, reason, accepted_at, rejected_at)
                VALUES (gen_random_uuid(), 'default', '{\"type\": \"$1\"}',
                        'no such contact in tenant default', now() - interval '$2',
                        now() - interval '$2')"
        shift 2
    done
}
set_aside() { # NAME AGE...: spooled records set aside AGE ago, NAME their bytes
    while [ $# -gt 0 ]; do
        pg_sql "INSERT INTO tern.record_rejects (reason, record, rejected_at)
                VALUES ('test', convert_to('$1', 'UTF8'), now() - interval '$2')"
        shift 2
    done
}
set_aside_left() { pg_sql "SELECT coalesce(string_agg(convert_from(record, 'UTF8'), ' '
                                             ORDER BY record), '-') FROM tern.record_rejects"; }
left() { pg_sql "SELECT coalesce(string_agg(item->>'type', ' ' ORDER BY item->>'type'), '-')
                   FROM tern.event_rejects"; }

rejects order-1 '400 days' order-2 '2 hours'
set_aside rec-1 '400 days' rec-2 '2 hours'
engine_once
is "$(left)" "order-1 order-2" "by default no unplaced item is deleted"
is "$(set_aside_left)" "rec-1 rec-2" "nor any set-aside record"

printf 'rejects_keep = 1d\n' >>"$TERN_CONFIG" # engine_setup's [engine] is the last section
engine_once
is "$(left)" "order-2" "engine.rejects_keep deletes the older items" # fresh process: prunes at once
like "$err" "deleted 1 unplaced events API items older than engine.rejects_keep" \
    "the engine says how many it deleted and which key set the age"
is "$(set_aside_left)" "rec-2" "engine.rejects_keep deletes the older set-aside records"
like "$err" "deleted 1 set-aside spooled records older than engine.rejects_keep" \
    "and says how many"

done_testing
