#!/bin/sh
# Runs schema_test (C) against a private PostgreSQL cluster.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
pg_start_temp >/dev/null || bail_out "cannot start PostgreSQL"
"$TERN_BUILDDIR/tests/integration/schema_test"
