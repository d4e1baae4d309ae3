#!/bin/sh
# demo.sh - run Tern locally on a private PostgreSQL (called by `./dev demo`)
#
# Everything lives under $TERN_DEMO_DIR (default .demo/): the cluster, the
# config with a freshly generated signing key, logs. Running it again
# reuses them; delete the directory to start over.
set -eu
: "${TERN_SRCDIR:?}" "${TERN:?}" "${TERN_DEMO_DIR:?}"
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"

demo=$TERN_DEMO_DIR
mkdir -p "$demo"
TERN_TMPDIR=$demo/tmp
export TERN_TMPDIR

say() { printf '\n==> %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

pgdir=$demo/pg
pg_reachable "$demo" || pgdir=/var/tmp/tern-demo-pg
say "starting a private PostgreSQL in $pgdir"
pg_start "$pgdir" durable
at_exit "PG_STOP_MODE=fast pg_stop '$pgdir'"

conf=$demo/tern.conf
if [ ! -f "$conf" ]; then
    cat >"$conf" <<CONF
; Written by the demo. See tern.conf(5) and \`tern check-config --defaults\`.
[database]
url = $TERN_DB_URL
[keys]
hmac = k1:$(openssl rand -base64 32)
[track]
base_url = http://127.0.0.1:8080
CONF
fi
TERN_CONFIG=$conf
export TERN_CONFIG

say "checking the configuration"
show "$TERN" check-config

say "creating the schema"
show "$TERN" migrate

say "importing the sample contacts"
show "$TERN" contacts import "$TERN_SRCDIR/contrib/sample/contacts.csv"

say "recording events, as a shop or CRM would"
show "$TERN" event order.placed --email daan.visser@example.nl --tenant nl \
    --data '{"order":"NL-1042","total":59.90,"items":[{"sku":"ALB-30","qty":1}]}'
show "$TERN" event contact.confirmed --email karin.lindqvist@example.se

say "what is in the database"
"$PG_BINDIR/psql" -X -P pager=off -c "SELECT tenant, count(*) AS contacts,
        count(*) FILTER (WHERE (attributes->>'vip')::boolean) AS vip
    FROM tern.contacts GROUP BY tenant ORDER BY tenant"
"$PG_BINDIR/psql" -X -P pager=off -c "SELECT email, tenant, timezone, locale, attributes
    FROM tern.contacts WHERE tenant = 'nl' ORDER BY email"
"$PG_BINDIR/psql" -X -P pager=off -c "SELECT e.type, c.email, e.data, e.occurred_at
    FROM tern.events e JOIN tern.contacts c ON c.id = e.contact_id ORDER BY e.recorded_at DESC LIMIT 5"

say "done"
cat <<MSG
The private PostgreSQL has been stopped. Its data ($pgdir) and the
configuration ($conf) are kept: run \`./dev demo\` again to continue
where this run left off, or delete $demo to start over.
MSG
