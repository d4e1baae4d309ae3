#!/bin/sh
# Crash test of the events API: under a steady load of POST /v1/events,
# kill -9 the tracker, start it again on the same spool, and prove every
# acknowledged item (202, "accepted") is in PostgreSQL exactly once.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"
. "$TERN_SRCDIR/tests/integration/track_load.sh"

command -v curl >/dev/null && command -v python3 >/dev/null || skip_all "needs curl and python3"
tern_test_db
run_tern apikey create --name load
key=$out
track_conf "api_rate = 100000"
track_start || bail_out "tern track did not start"
load_crash load.tick 3000 --api-key "$key"

done_testing
