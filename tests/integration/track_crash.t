#!/bin/sh
# Crash test: under a steady click load, kill -9 the tracker, start it
# again on the same spool, and prove every acknowledged click (answered
# 302) is in PostgreSQL exactly once.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"
. "$TERN_SRCDIR/tests/integration/track_load.sh"

command -v curl >/dev/null && command -v python3 >/dev/null || skip_all "needs curl and python3"
tern_test_db
track_conf
track_start || bail_out "tern track did not start"
load_crash email.click 6000 --key "$TERN_TEST_KEY"

done_testing
