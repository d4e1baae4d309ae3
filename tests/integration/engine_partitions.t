#!/bin/sh
# A journey-running engine keeps the coming months' event partitions ready,
# moving what the default partition holds of such a month into it.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/engine_fixture.sh"
engine_setup

next=$(pg_sql "SELECT 'events_' || to_char(date_trunc('month', now() AT TIME ZONE 'UTC')
                                           + interval '1 month', 'YYYY_MM')")
pg_sql "ALTER TABLE tern.events DETACH PARTITION tern.$next; DROP TABLE tern.$next"
pg_sql "INSERT INTO tern.events (id, contact_id, type, occurred_at)
        VALUES (gen_random_uuid(), $ann, 'c.later',
                date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month 3 days')"
is "$(pg_sql "SELECT count(*) FROM tern.events_default")" 1 \
    "without next month's partition its event sits in the default partition"

engine_once
is "$(pg_sql "SELECT to_regclass('tern.$next') IS NOT NULL")" t "the engine creates the partition again"
is "$(pg_sql "SELECT count(*) FROM tern.$next WHERE type = 'c.later'") $(pg_sql "SELECT count(*) FROM tern.events_default")" \
    "1 0" "and moves the month's event into it"
like "$err" "created 1 event partition" "the engine says what it created"

done_testing
