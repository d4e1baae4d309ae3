#!/bin/sh
# Runs record_test (C): every record kind applied to a migrated private
# PostgreSQL, replays, bad records, and PostgreSQL going away.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
tern_test_db >/dev/null
. "$TERN_SRCDIR/tests/integration/spool_pg.sh"
"$TERN_BUILDDIR/tests/integration/record_test"
