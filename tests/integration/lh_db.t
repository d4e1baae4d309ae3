#!/bin/sh
# Runs lh_db_test (C): db.query from scripts against a private, migrated PostgreSQL.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
tern_test_db >/dev/null
pg_sql "INSERT INTO tern.tenants (id) VALUES ('de');
        INSERT INTO tern.contacts (email) VALUES ('bob@example.com'), ('ann@example.com');
        INSERT INTO tern.contacts (tenant, email) VALUES ('de', 'cem@example.de')" ||
    bail_out "cannot seed contacts"
"$TERN_BUILDDIR/tests/integration/lh_db_test"
