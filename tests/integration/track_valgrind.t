#!/bin/sh
# track_valgrind.t - tern track under valgrind: clicks, opens, pages, events API
# items and refused requests over plain HTTP and HTTPS, with reloads that switch
# the port between them meanwhile, then SIGTERM: no memory error and no definite
# or indirect leak.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
command -v openssl >/dev/null || skip_all "openssl is not installed"
command -v valgrind >/dev/null 2>&1 || skip_all "valgrind is not installed"
# A sanitizer build has its own shadow memory; valgrind cannot run it.
! grep -q __asan_init "$TERN" 2>/dev/null || skip_all "tern is built with AddressSanitizer"
tern_test_db
pg_sql "INSERT INTO tern.contacts (email) VALUES ('ann@example.com')" >/dev/null
ann=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'ann@example.com'")
key=$("$TERN" apikey create --name shop) || bail_out "cannot create an API key"
pem=$(tap_tmpdir)
at_exit "rm -rf '$pem'"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$pem/key.pem" -out "$pem/cert.pem" 2>/dev/null || bail_out "openssl cannot make a certificate"
CURL_CA_BUNDLE=$pem/cert.pem
export CURL_CA_BUNDLE
track_conf
vg=$TRACK_DIR/valgrind.log
valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$vg" \
    "$TERN" track 2>>"$TRACK_LOG" &
TRACK_PID=$!
i=0
while ! curl -s -m 5 -o /dev/null "$TRACK_URL/healthz"; do
    alive "$TRACK_PID" || bail_out "tern track exited under valgrind: $(cat "$TRACK_LOG")"
    [ $i -lt 600 ] || bail_out "tern track does not answer under valgrind"
    sleep 0.2
    i=$((i + 1))
done

click=$("$TERN" token click https://shop.example/sale --contact "$ann" | sed 's|^https://t\.example\.com||')
open=$("$TERN" token open --contact "$ann" | sed 's|^https://t\.example\.com||')
unsub=$("$TERN" token unsubscribe --contact "$ann" | sed 's|^https://t\.example\.com||')
prefs=$("$TERN" token preferences --contact "$ann" | sed 's|^https://t\.example\.com||')
codes= # every answer's status, in order
traffic() { # N: N rounds of every kind of request against $TRACK_URL
    for n in $(seq "$1"); do
        for path in "$click" "$open" "$unsub" "$prefs" /healthz /metrics "$(track_tamper "$click")" /nowhere; do
            codes="$codes $(curl -s -m 30 -o /dev/null -w '%{http_code}' "$TRACK_URL$path")"
        done
        codes="$codes $(curl -s -m 30 -o /dev/null -w '%{http_code}' -X POST \
            --data-urlencode 'List-Unsubscribe=One-Click' "$TRACK_URL$unsub")"
        codes="$codes $(curl -s -m 30 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" \
            -H 'Content-Type: application/json' \
            --data-binary "[{\"email\":\"ann@example.com\",\"type\":\"order.placed\",\"data\":{\"n\":$n}},{\"type\":\"x\"}]" \
            "$TRACK_URL/v1/events")"
        codes="$codes $(head -c 2000000 /dev/zero | curl -s -m 30 -o /dev/null -w '%{http_code}' \
            -H "Authorization: Bearer $key" -H 'Content-Type: application/json' --data-binary @- \
            "$TRACK_URL/v1/events")"
    done
}
reload_to() { # URL: SIGHUP, then wait until URL answers
    kill -HUP "$TRACK_PID"
    TRACK_URL=$1
    i=0
    while ! curl -s -m 5 -o /dev/null "$TRACK_URL/healthz" && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
}

traffic 10
printf 'tls_cert = %s/cert.pem\ntls_key = %s/key.pem\n' "$pem" "$pem" >>"$TERN_CONFIG"
reload_to "https://127.0.0.1:$TRACK_PORT"
traffic 10
sed -i "/^tls_cert = /d; /^tls_key = /d" "$TERN_CONFIG"
reload_to "http://127.0.0.1:$TRACK_PORT"
traffic 5
is "$(printf '%s\n' $codes | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')" \
    "200:150 202:25 302:25 404:50 413:25 " \
    "every request over plain HTTP and HTTPS got its answer"
track_wait_drained
is "$(track_events email.click)" 25 "every click is in PostgreSQL"
i=0; while [ "$(grep -c 'previous .* stopped' "$TRACK_LOG")" -lt 2 ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
is "$(grep -c 'previous .* stopped' "$TRACK_LOG")" 2 "both retired daemons stopped before shutdown"
kill -TERM "$TRACK_PID"
wait "$TRACK_PID"
status=$?
TRACK_PID=
is "$status" 0 "valgrind found no memory error and no definite or indirect leak"
[ "$status" -eq 0 ] || diag "$(head -n 80 "$vg")"

done_testing
