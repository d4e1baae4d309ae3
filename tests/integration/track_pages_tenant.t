#!/bin/sh
# Pages per tenant: a folder track.pages/<tenant> overrides pages for the
# contacts of that tenant (the tplpath rule of `tern render --tenant`);
# other contacts, and any contact whose tenant cannot be looked up while
# PostgreSQL is down, get the default pages.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
tern_test_db
pages=$(tap_tmpdir)
mkdir -p "$pages/nl"
printf '{{<layout}}{{$title}}Afmelden{{/title}}{{$body}}<p>Wilt u zich afmelden?</p>{{/body}}{{/layout}}\n' \
    >"$pages/nl/unsubscribe.mustache"
printf '{{<layout}}{{$title}}Afgemeld{{/title}}{{$body}}<p>U bent afgemeld.</p>{{/body}}{{/layout}}\n' \
    >"$pages/nl/unsubscribed.mustache"
track_conf "pages = $pages"
pg_sql "INSERT INTO tern.tenants (id) VALUES ('nl');
        INSERT INTO tern.contacts (email) VALUES ('ann@example.com');
        INSERT INTO tern.contacts (tenant, email) VALUES ('nl', 'nel@example.com'), ('nl', 'noor@example.com')"
ann=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'ann@example.com'")
nel=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'nel@example.com'")
noor=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'noor@example.com'")
track_start || bail_out "tern track did not start"

page_of() { p=$1; shift; curl -s "$@" "$TRACK_URL$(printf '%s' "$p" | sed 's|^https://t\.example\.com||')"; }
u() { "$TERN" token unsubscribe --contact "$1" --list all; }

like "$(page_of "$(u "$nel")")" 'Wilt u zich afmelden' "a contact of tenant nl gets the nl unsubscribe page"
like "$(page_of "$(u "$nel")")" 'Wilt u zich afmelden' "again, from the cached tenant"
like "$(page_of "$(u "$ann")")" 'Unsubscribe</button>' "a contact of the default tenant gets the default page"
like "$(page_of "$(u "$nel")" -d unsubscribe=yes)" 'U bent afgemeld' "the page after the POST is the tenant's too"
track_wait_drained
is "$(pg_sql "SELECT status FROM tern.contacts WHERE id = $nel")" unsubscribed "and the POST was recorded"
like "$(page_of "$("$TERN" token confirm --contact "$nel")")" 'Confirm</button>' \
    "a page the tenant does not override is the default one"

pg_stop
like "$(page_of "$(u "$noor")")" 'Unsubscribe</button>' \
    "PostgreSQL down: a contact whose tenant is not cached gets the default page"
like "$(page_of "$(u "$nel")")" 'Wilt u zich afmelden' "one whose tenant is cached keeps its tenant's page"
pg_restart || bail_out "PostgreSQL did not come back"

done_testing
