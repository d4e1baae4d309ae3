#!/bin/sh
# Unsubscribe, confirmation and preference pages over real HTTP: GET never
# changes anything, POST does (RFC 8058 one-click too), repeating a POST
# changes nothing more, pages escape what they echo and carry a strict CSP.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
tern_test_db
track_conf 'topics = news, offers, a<b&"c"'
track_start || bail_out "tern track did not start"
pg_sql "INSERT INTO tern.contacts (email) VALUES ('ann@example.com'), ('bob@example.com');
        INSERT INTO tern.contacts (email, status) VALUES ('cid@example.com', 'pending')"
ann=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'ann@example.com'")
bob=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'bob@example.com'")
cid=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'cid@example.com'")
ua='Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0'

path_of() { printf '%s' "$1" | sed 's|^https://t\.example\.com||'; }
# req PATH [CURL ARGS]: $code, $headers, $body
req() {
    p=$1; shift
    headers=$(curl -s -A "$ua" -D - -o "$TRACK_DIR/body" "$@" "$TRACK_URL$p" | tr -d '\r')
    code=$(printf '%s' "$headers" | head -n 1 | cut -d' ' -f2)
    body=$(cat "$TRACK_DIR/body")
}
status_of() { pg_sql "SELECT status FROM tern.contacts WHERE id = $1"; }

# --- unsubscribe from everything (the page's button) ---
u_all=$(path_of "$("$TERN" token unsubscribe --contact "$bob" --list all)")
req "$u_all"
is "$code" 200 "GET /u/ shows the unsubscribe page"
like "$body" '<button type="submit">Unsubscribe</button>' "with a real button"
like "$headers" "^Content-Security-Policy: default-src 'none'" "under a strict CSP"
req "$u_all" -I
is "$code" 200 "HEAD /u/ answers like GET"
sleep 0.3
is "$(status_of "$bob")" subscribed "neither GET nor HEAD changes anything"
is "$(track_events email.unsubscribe)" 0 "and records no event"
req "$u_all" -d unsubscribe=yes
is "$code" 200 "POST /u/ from the page's form answers with a page"
like "$body" 'You are unsubscribed' "saying it is done"
track_wait_drained
is "$(status_of "$bob")" unsubscribed "the contact is unsubscribed from all mail"
req "$u_all" -d unsubscribe=yes
is "$code" 200 "a second POST /u/ still answers with the page"
track_wait_drained
is "$(pg_sql "SELECT count(*) FROM tern.events WHERE type = 'email.unsubscribe' AND contact_id = $bob")" 1 \
    "but records no second email.unsubscribe event"

# --- RFC 8058 one-click from a mailbox provider, for one list ---
u_list=$(path_of "$("$TERN" token unsubscribe --contact "$ann" --list marketing \
    --message 0b7e3c1a-5d2f-4e8a-9c61-2f0a7d9e4b13)")
req "$u_list"
like "$body" 'Stop receiving <strong>marketing</strong> mail' "a list page names the list"
req "$u_list" -A 'Mozilla/5.0 (compatible; Google-Unsubscribe)' \
    -H 'Content-Type: application/x-www-form-urlencoded' --data 'List-Unsubscribe=One-Click'
is "$code" 200 "a one-click POST (RFC 8058) is accepted"
req "$u_list" -F 'List-Unsubscribe=One-Click'
is "$code" 200 "a one-click POST as multipart/form-data is accepted too"
track_wait_drained
sup() { pg_sql "SELECT count(*) FROM tern.suppressions WHERE contact_id = $ann AND scope = 'marketing'"; }
is "$(sup)" 1 "the address is suppressed for that list, once for both POSTs"
is "$(pg_sql "SELECT count(*) FROM tern.events WHERE type = 'email.unsubscribe' AND contact_id = $ann")" 1 \
    "and the second POST for the same list records no second event"
req "$u_list" -d unsubscribe=yes
track_wait_drained
is "$(pg_sql "SELECT count(*) FROM tern.events WHERE type = 'email.unsubscribe' AND contact_id = $ann")" 1 \
    "nor does a later one, once the first is in PostgreSQL"
is "$(status_of "$ann")" subscribed "and stays subscribed to the rest"
is "$(pg_sql "SELECT data->>'one_click' FROM tern.events WHERE type = 'email.unsubscribe' AND contact_id = $ann ORDER BY recorded_at LIMIT 1")" \
    true "the event says it came as one-click"
is "$(pg_sql "SELECT count(DISTINCT message_id) FROM tern.events WHERE type = 'email.unsubscribe' AND contact_id = $ann")" \
    1 "and is attributed to the message of the token"

req "$(track_tamper "$u_list")" -d x=1
is "$code" 404 "a tampered unsubscribe token is a 404, on POST too"

# --- double opt-in ---
conf=$(path_of "$("$TERN" token confirm --contact "$cid" --ttl 1d)")
req "$conf"
like "$body" '<button type="submit">Confirm</button>' "GET /confirm/ shows a confirm button"
sleep 0.3
is "$(status_of "$cid")" pending "GET /confirm/ changes nothing"
req "$conf" -d confirm=yes
is "$code" 200 "POST /confirm/ confirms"
track_wait_events contact.confirmed 1 >/dev/null
i=0; while [ "$(status_of "$cid")" != subscribed ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "$(status_of "$cid")" subscribed "the pending contact is subscribed"
is "$(pg_sql "SELECT purpose || ' ' || status || ' ' || source || ' ' || host(ip) || ' ' || user_agent FROM tern.consents WHERE contact_id = $cid")" \
    "marketing granted double-opt-in 127.0.0.1 $ua" "the consent records purpose, source, address and agent"
req "$(path_of "$("$TERN" token confirm --contact "$cid" --ttl 1s)")" -d confirm=yes --next \
    -s -o /dev/null "$TRACK_URL/healthz"
sleep 1.2
expired=$(path_of "$("$TERN" token confirm --contact "$cid" --ttl 1s)")
sleep 1.1
req "$expired"
is "$code" 404 "an expired confirm link is a 404"

# --- preferences ---
prefs=$(path_of "$("$TERN" token preferences --contact "$ann")")
req "$prefs"
is "$code" 200 "GET /p/ shows the preference form"
like "$body" 'value="a&lt;b&amp;&quot;c&quot;"' "topic names are escaped in attributes"
unlike "$body" 'a<b&"c"' "and never echoed raw"
req "$prefs" -d topic=news -d topic=offers -d channel=email -d frequency=weekly -d pause_until=2030-01-31
is "$code" 200 "POST /p/ saves the preferences"
track_wait_events preferences.updated 1 >/dev/null
attrs() { pg_sql "SELECT attributes->'topics', attributes->>'frequency', attributes->>'pause_until' FROM tern.contacts WHERE id = $ann"; }
i=0; while [ "$(attrs)" = '||' ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "$(attrs)" '["news", "offers"]|weekly|2030-01-31' "they become contact attributes"
req "$prefs"
like "$body" 'value="weekly" checked' "the form shows what was saved"
unlike "$body" 'value="a&lt;b&amp;&quot;c&quot;" checked' "including topics left out"
pg_sql "UPDATE tern.contacts SET attributes = attributes || '{\"topics\": [1, null, \"offers\"]}'
         WHERE id = $ann" # as a script or a hand may store them
req "$prefs"
is "$code" 200 "stored topics that are not all strings still show the form"
like "$body" 'value="offers" checked' "with the string topics checked"
req "$prefs" -d topic=sports
is "$code" 400 "an unknown topic is refused"
like "$body" 'role="alert">unknown topic' "with the reason on the page"
req "$prefs" -d 'pause_until=<script>'
like "$body" 'class="error"' "a bad pause date is refused"
unlike "$body" '<script>' "and what was sent is not echoed raw"

done_testing
