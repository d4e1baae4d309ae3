#!/bin/sh
# Runs spool_drain_test (C): the drain thread against a private migrated
# PostgreSQL that is stopped and restarted under it. The program's log
# lines go to $dir/drain.log, where it looks for its warnings.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
tern_test_db >/dev/null
. "$TERN_SRCDIR/tests/integration/spool_pg.sh"
TERN_SPOOL_TMP=$dir
export TERN_SPOOL_TMP
"$TERN_BUILDDIR/tests/integration/spool_drain_test"
