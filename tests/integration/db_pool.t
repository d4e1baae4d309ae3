#!/bin/sh
# Runs db_pool_test (C) against a private PostgreSQL cluster.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
pg_start_temp >/dev/null || bail_out "cannot start PostgreSQL"
TERN_DB_ADMIN_URL="postgresql:///postgres?host=$PGHOST&port=$PGPORT&user=tern"
export TERN_DB_ADMIN_URL
"$TERN_BUILDDIR/tests/integration/db_pool_test"
