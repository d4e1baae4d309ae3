#!/bin/sh
# track_valgrind.t - tern track under valgrind: clicks, opens, pages, events API
# items and refused requests over plain HTTP and over HTTPS, with reloads that
# renew the certificate meanwhile, then SIGTERM: no memory error and no definite or
# indirect leak.
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
newcert() { # NAME: a fresh certificate and key as DIR/NAME.pem and DIR/NAME-key.pem
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
        -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$pem/$1-key.pem" -out "$pem/$1.pem" 2>/dev/null || bail_out "openssl cannot make a certificate"
}
track_conf
start_under_valgrind() { # LOG
    vg=$1
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
}
stop_under_valgrind() { # WHAT: SIGTERM, and valgrind's verdict
    kill -TERM "$TRACK_PID"
    wait "$TRACK_PID"
    st=$?
    TRACK_PID=
    is "$st" 0 "valgrind found no memory error and no definite or indirect leak $1"
    [ "$st" -eq 0 ] || diag "$(head -n 80 "$vg")"
}
start_under_valgrind "$TRACK_DIR/valgrind-http.log"

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
reload() { # N: SIGHUP, then wait for the Nth "reloaded"
    kill -HUP "$TRACK_PID"
    i=0
    while [ "$(grep -c reloaded "$TRACK_LOG")" -lt "$1" ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
}

traffic 10
stop_under_valgrind "over plain HTTP"
printf 'tls_cert = %s/cert.pem\ntls_key = %s/key.pem\n' "$pem" "$pem" >>"$TERN_CONFIG"
TRACK_URL=https://127.0.0.1:$TRACK_PORT
start_under_valgrind "$TRACK_DIR/valgrind-https.log"
traffic 5
newcert renewed
cp "$pem/renewed.pem" "$pem/cert.pem" && cp "$pem/renewed-key.pem" "$pem/key.pem"
reload 1
CURL_CA_BUNDLE=$pem/renewed.pem
traffic 5
newcert other
sed -i "s|^tls_key = .*|tls_key = $pem/other-key.pem|" "$TERN_CONFIG"
kill -HUP "$TRACK_PID" # refused: another certificate's key
i=0; until grep -q "reload refused" "$TRACK_LOG" || [ $i -ge 300 ]; do sleep 0.2; i=$((i + 1)); done
sed -i "s|^tls_key = .*|tls_key = $pem/key.pem|; /^tls_cert = /d; /^tls_key = /d" "$TERN_CONFIG"
reload 2 # without a certificate: applied, HTTPS kept
traffic 5
is "$(printf '%s\n' $codes | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')" \
    "200:150 202:25 302:25 404:50 413:25 " \
    "every request over plain HTTP and HTTPS got its answer"
track_wait_drained
is "$(track_events email.click)" 25 "every click is in PostgreSQL"
like "$(cat "$TRACK_LOG")" "reload refused.*is not the private key" "the reload with a wrong key was refused"
stop_under_valgrind "over HTTPS, across certificate reloads"

done_testing
