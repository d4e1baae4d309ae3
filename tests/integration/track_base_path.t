#!/bin/sh
# A track.base_url with a path (https://example.com/t): the links the milter
# and `tern token` issue carry it, and the tracker answers them there, as well
# as behind a proxy that strips it.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
tern_test_db
sed -i 's|^base_url = .*|base_url = https://example.com/t|' "$TERN_CONFIG"
track_conf
track_start || bail_out "tern track did not start"
pg_sql "INSERT INTO tern.contacts (email) VALUES ('ann@example.com')"
ann=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'ann@example.com'")
msg=0b7e3c1a-5d2f-4e8a-9c61-2f0a7d9e4b13

# status PATH [CURL ARGS]: the HTTP status of PATH on the tracker
status() {
    p=$1; shift
    curl -s -o "$TRACK_DIR/body" -w '%{http_code}' "$@" "$TRACK_URL$p"
}
path_of() { printf '%s' "$1" | sed 's|^https://example\.com||'; }

click=$("$TERN" token click https://shop.example/ --contact "$ann" --message $msg)
like "$click" '^https://example\.com/t/c/' "a click link lives under the base path"
is "$(status "$(path_of "$click")")" 302 "the tracker answers a click under the base path"
stripped=$(path_of "$click" | sed 's|^/t||')
is "$(status "$stripped")" 302 "and the same click from a proxy that strips the base path"
is "$(status "/tc/$(basename "$click")")" 404 "a path that only begins with the base's letters is not found"

u=$(path_of "$("$TERN" token unsubscribe --contact "$ann" --list all)")
is "$(status "$u")" 200 "the unsubscribe page is served under the base path"
is "$(status "$u" -d 'List-Unsubscribe=One-Click')" 200 "and its one-click POST is taken there"
i=0
while [ "$(pg_sql "SELECT status FROM tern.contacts WHERE id = $ann")" != unsubscribed ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
is "$(pg_sql "SELECT status FROM tern.contacts WHERE id = $ann")" unsubscribed \
    "which unsubscribes the contact"
is "$(status /t/healthz)" 200 "/healthz answers under the base path too"
done_testing
