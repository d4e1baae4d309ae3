#!/bin/sh
# tern migrate: versioned, transactional, idempotent, refuses newer schemas.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"

pg_start_temp || bail_out "cannot start PostgreSQL"
dir=$(tap_tmpdir)
tern_conf "$dir/tern.conf"

run_tern migrate
is "$status" 0 "migrate on an empty database succeeds"
like "$out" "applied 0001_contacts" "first run applies the first migration"
like "$out" "schema upgraded from version 0 to [0-9]+" "first run reports the upgrade"
version=$(pg_sql "SELECT max(version) FROM tern.schema_migrations")

for t in tenants contacts consents suppressions events messages enrollments enrollment_steps outbox segments segment_memberships; do
    is "$(pg_sql "SELECT to_regclass('tern.$t') IS NOT NULL")" t "table $t exists"
done

schema_dump() { # pg_dump without its per-run random \restrict tokens
    pg_dump -s -n tern "$PGDATABASE" 2>&1 | grep -v '^\\\(un\)\{0,1\}restrict' | md5sum
}
dump_before=$(schema_dump)
run_tern migrate
is "$status" 0 "second migrate succeeds"
like "$out" "schema is up to date at version $version" "second run reports up to date"
unlike "$out" "applied" "second run applies nothing"
is "$(schema_dump)" "$dump_before" "second run changes nothing in the schema"

parts=$(pg_sql "SELECT count(*) FROM pg_inherits WHERE inhparent = 'tern.events'::regclass")
ok "events have monthly partitions and a default one" test "$parts" -ge 5

pg_sql "INSERT INTO tern.contacts (email) VALUES ('a@example.com')"
pg_sql "INSERT INTO tern.events (id, contact_id, type, occurred_at) VALUES (gen_random_uuid(), 1, 'order.placed', now() + interval '5 years')"
is "$(pg_sql "SELECT count(*) FROM tern.events_default")" 1 "an event far in the future lands in the default partition"

out_dup=$(pg_sql "INSERT INTO tern.contacts (email) VALUES ('A@Example.com')" 2>&1)
like "$out_dup" "contacts_tenant_email" "addresses are unique per tenant case-insensitively"
out_fk=$(pg_sql "INSERT INTO tern.contacts (tenant, email) VALUES ('nowhere', 'b@example.com')" 2>&1)
like "$out_fk" 'tenant "nowhere" does not exist' "a contact must belong to an existing tenant"
pg_sql "INSERT INTO tern.contacts (email) VALUES ('moving@example.com')" >/dev/null
out_fk=$(pg_sql "UPDATE tern.contacts SET tenant = 'nowhere' WHERE email = 'moving@example.com'" 2>&1)
like "$out_fk" 'tenant "nowhere" does not exist' "a contact cannot move to a tenant that does not exist"
pg_sql "INSERT INTO tern.tenants (id) VALUES ('nl')" >/dev/null
pg_sql "UPDATE tern.contacts SET tenant = 'nl' WHERE email = 'moving@example.com'" >/dev/null
is "$(pg_sql "SELECT tenant FROM tern.contacts WHERE email = 'moving@example.com'")" nl \
    "a contact can move to an existing tenant"
pg_sql "DELETE FROM tern.contacts WHERE email = 'moving@example.com'; DELETE FROM tern.tenants WHERE id = 'nl'" >/dev/null
out_fk=$(pg_sql "DELETE FROM tern.tenants WHERE id = 'default'" 2>&1)
like "$out_fk" 'tenant "default" still has contacts' "a tenant with contacts cannot be deleted"

pg_sql "INSERT INTO tern.schema_migrations (version, name, checksum) VALUES (999, '0999_future', 'x')"
run_tern migrate
is "$status" 1 "migrate refuses a database newer than itself"
like "$err" "schema is at version 999 but this tern knows only up to $version" "newer schema error explains"
pg_sql "DELETE FROM tern.schema_migrations WHERE version = 999"

pg_sql "UPDATE tern.schema_migrations SET checksum = 'edited' WHERE version = 1"
run_tern migrate
is "$status" 1 "migrate refuses when a shipped migration was edited"
like "$err" "migration 0001_contacts was changed after it was applied" "checksum error names the migration"

# Migrations take as long as they need: database.statement_timeout is for the daemons' queries.
pg_sql "CREATE DATABASE quick OWNER tern"
TERN_DB_URL="postgresql:///quick?host=$PGHOST&port=$PGPORT&user=tern" \
    tern_conf "$dir/quick.conf"
sed -i 's/^statement_timeout = .*/statement_timeout = 20ms/' "$dir/quick.conf"
run_tern migrate
is "$status" 0 "migrate succeeds with a statement_timeout shorter than its migrations"
like "$out" "schema upgraded from version 0 to $version" "and applies every migration"

# Applied means durable, also on a server whose synchronous_commit is off (this test
# cluster's is): a crash right after tern migrate returns keeps every migration. The WAL
# writer is held back so that only a synchronous commit reaches the disk in time.
. "$TERN_SRCDIR/tests/integration/spool_pg.sh"
pg_sql "CREATE DATABASE durable OWNER tern"
pg_sql "ALTER SYSTEM SET wal_writer_delay = '10s'" >/dev/null
pg_sql "SELECT pg_reload_conf()" >/dev/null
TERN_DB_URL="postgresql:///durable?host=$PGHOST&port=$PGPORT&user=tern" \
    tern_conf "$dir/durable.conf"
run_tern migrate
is "$status" 0 "migrate succeeds on a server with synchronous_commit off"
eval "$TERN_PG_STOP" && eval "$TERN_PG_START" || bail_out "cannot crash and restart PostgreSQL"
is "$(PGDATABASE=durable pg_sql "SELECT max(version) FROM tern.schema_migrations")" "$version" \
    "every migration it applied survives an immediate shutdown right after it"

done_testing
