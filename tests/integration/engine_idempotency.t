#!/bin/sh
# The engine deletes events API idempotency keys older than
# engine.idempotency_keep (30 days by default), keeps the younger ones, and
# keeps them all with 0s.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/engine_fixture.sh"
engine_setup

keys() { # KEY AGE...: idempotency keys created AGE ago
    while [ $# -gt 0 ]; do
        pg_sql "INSERT INTO tern.event_idempotency (tenant, idempotency_key, event_id, created_at)
                VALUES ('default', '$1', gen_random_uuid(), now() - interval '$2')"
        shift 2
    done
}
left() { pg_sql "SELECT coalesce(string_agg(idempotency_key, ' ' ORDER BY idempotency_key), '-')
                   FROM tern.event_idempotency"; }

keys order-1 '31 days' order-2 '40 days' order-3 '29 days' order-4 '30 minutes'
engine_once
is "$(left)" "order-3 order-4" "keys older than 30 days are deleted, younger ones kept"
like "$err" "deleted 2 idempotency keys" "the engine says how many it deleted"

printf 'idempotency_keep = 1h\n' >>"$TERN_CONFIG" # engine_setup's [engine] is the last section
engine_once
is "$(left)" "order-4" "engine.idempotency_keep sets the age"

sed -i 's/^idempotency_keep = 1h$/idempotency_keep = 0s/' "$TERN_CONFIG"
keys order-5 '400 days'
engine_once
is "$(left)" "order-4 order-5" "with 0s no key is deleted"

done_testing
