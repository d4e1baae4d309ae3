#!/bin/sh
# tern track serving HTTPS itself (track.tls_cert and track.tls_key): clicks and
# the rest over TLS 1.2 and 1.3 only, and a certificate or key it cannot use is a
# clear error at start, never a plain-HTTP fallback.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
command -v openssl >/dev/null || skip_all "openssl is not installed"
tern_test_db
pem=$(tap_tmpdir)
at_exit "rm -rf '$pem'"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$pem/key.pem" -out "$pem/cert.pem" 2>/dev/null || bail_out "openssl cannot make a certificate"
track_conf "tls_cert = $pem/cert.pem
tls_key = $pem/key.pem"
TRACK_URL=https://127.0.0.1:$TRACK_PORT
CURL_CA_BUNDLE=$pem/cert.pem
export CURL_CA_BUNDLE
track_start || bail_out "tern track did not start with TLS"
like "$(cat "$TRACK_LOG")" "listening on 127.0.0.1:$TRACK_PORT \\(HTTPS\\)" "the log says it serves HTTPS"

link=$("$TERN" token click https://shop.example/sale --contact 1 | sed 's|^https://t\.example\.com||')
out=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url} %{ssl_verify_result}' "$TRACK_URL$link")
is "$out" "302 https://shop.example/sale 0" "a click over HTTPS redirects, with a certificate that verifies"
track_wait_events email.click 1 >/dev/null
is "$(track_events email.click)" 1 "and is recorded"
is "$(curl -s -o /dev/null -w '%{http_code}' --tlsv1.3 "$TRACK_URL/healthz")" 200 "TLS 1.3 is served"
is "$(curl -s -o /dev/null -w '%{http_code}' --tls-max 1.2 "$TRACK_URL/healthz")" 200 "and TLS 1.2"
is "$(curl -s -o /dev/null -w '%{http_code}' --tlsv1.1 --tls-max 1.1 "$TRACK_URL/healthz")" 000 \
    "TLS 1.1 is refused"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TRACK_PORT/healthz")" 000 \
    "plain HTTP on the TLS port gets no answer"

# A renewal in place and SIGHUP: the tracker says it still serves the old certificate.
kill -HUP "$TRACK_PID"
i=0; while [ "$(grep -c reloaded "$TRACK_LOG")" -lt 1 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
unlike "$(cat "$TRACK_LOG")" "TLS certificate or key changed" "a reload with the same files says nothing of TLS"
cp "$pem/cert.pem" "$pem/old.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$pem/key.pem" -out "$pem/cert.pem" 2>/dev/null || bail_out "openssl cannot renew"
kill -HUP "$TRACK_PID"
i=0; while [ "$(grep -c reloaded "$TRACK_LOG")" -lt 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
like "$(cat "$TRACK_LOG")" "the TLS certificate or key changed: .* until restarted" \
    "after a renewal in place, SIGHUP says a restart is needed"
is "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$pem/old.pem" "$TRACK_URL/healthz")" 200 \
    "and the old certificate is still the one served"
track_stop
track_start || bail_out "tern track did not restart"
is "$(curl -s -o /dev/null -w '%{http_code}' "$TRACK_URL/healthz")" 200 "a restart serves the new one"
track_stop

# What it cannot use stops it at start, with the key and the file named.
sed -i "s|^tls_key = .*|tls_key = $pem/missing.pem|" "$TERN_CONFIG"
run_tern track
is "$status" 1 "a key file that is not there stops tern track"
like "$err" "track.tls_key $pem/missing.pem: cannot read: No such file or directory" "and says which"
: >"$pem/empty.pem"
sed -i "s|^tls_key = .*|tls_key = $pem/empty.pem|" "$TERN_CONFIG"
run_tern track
like "$err" "track.tls_key $pem/empty.pem: cannot read: the file is empty" "an empty key file says so"
head -c 1100000 /dev/zero | tr '\0' 'x' >"$pem/huge.pem"
sed -i "s|^tls_key = .*|tls_key = $pem/huge.pem|" "$TERN_CONFIG"
run_tern track
like "$err" "track.tls_key $pem/huge.pem: cannot read: larger than 1 MiB" "and so does one over 1 MiB"
cp "$pem/cert.pem" "$pem/notakey.pem"
sed -i "s|^tls_key = .*|tls_key = $pem/notakey.pem|" "$TERN_CONFIG"
run_tern track
is "$status" 1 "a key file without a key stops it"
like "$err" "cannot start the HTTPS server on 127.0.0.1:$TRACK_PORT: is track.tls_key $pem/notakey.pem the private key" \
    "and says what to check"
sed -i "/^tls_key = /d" "$TERN_CONFIG"
run_tern check-config
is "$status" 1 "a certificate without a key is a configuration error"
like "$err" "tern.conf:[0-9]*: \\[track\\] tls_cert needs tls_key too" "named with its file and line"

done_testing
