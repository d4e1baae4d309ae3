#!/bin/sh
# Outage test: stop PostgreSQL during a steady click load; the tracker keeps
# answering every click from its spool, and once PostgreSQL is back every
# acknowledged click arrives exactly once.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"
. "$TERN_SRCDIR/tests/integration/track_load.sh"

command -v curl >/dev/null && command -v python3 >/dev/null || skip_all "needs curl and python3"
tern_test_db
track_conf
track_start || bail_out "tern track did not start"
load_outage email.click 3000 --key "$TERN_TEST_KEY"

done_testing
