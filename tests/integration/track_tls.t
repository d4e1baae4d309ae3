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
not_after() { date -d "$(openssl x509 -enddate -noout -in "$1" | cut -d= -f2)" +%s; }
expiry() { curl -s "$TRACK_URL/metrics" | sed -n 's/^tern_track_tls_cert_expiry_timestamp_seconds //p'; }
is "$(expiry)" "$(not_after "$pem/cert.pem")" "/metrics shows when the served certificate expires"
like "$(cat "$TRACK_LOG")" "warning: .*the certificate in track.tls_cert $pem/cert.pem expires on [0-9-]+ [0-9:]+ UTC, in [12] days?: renew it" \
    "a certificate expiring within 14 days is warned about at start"

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

# SIGHUP after a renewal in place: new connections get the new certificate at once, a
# connection already open keeps its session.
wait_log() { # COUNT PATTERN: until the log has COUNT lines matching PATTERN (5 s at most)
    i=0; while [ "$(grep -c "$2" "$TRACK_LOG")" -lt "$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}
kill -HUP "$TRACK_PID"
wait_log 1 reloaded
unlike "$(cat "$TRACK_LOG")" "serving the new" "a reload with the same files changes nothing of TLS"
cp "$pem/cert.pem" "$pem/old.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$pem/new-key.pem" -out "$pem/new.pem" 2>/dev/null || bail_out "openssl cannot renew"
kept=$(python3 - "$TRACK_PORT" "$pem" "$TRACK_PID" "$TRACK_LOG" <<'PY'
import http.client, os, signal, ssl, sys, time
port, pem, pid, log = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
conn = http.client.HTTPSConnection("127.0.0.1", port,
                                   context=ssl.create_default_context(cafile=pem + "/old.pem"))
def get():
    conn.request("GET", "/healthz")
    r = conn.getresponse()
    r.read()
    return "%d %s" % (r.status, r.getheader("Connection") or "keep-alive")
first = get()
os.rename(pem + "/new.pem", pem + "/cert.pem")      # a renewal in place, as certbot's
os.rename(pem + "/new-key.pem", pem + "/key.pem")
os.kill(pid, signal.SIGHUP)
for _ in range(50):
    if open(log).read().count("reloaded") >= 2: break
    time.sleep(0.1)
print(first, "/", get())
PY
)
is "$kept" "200 keep-alive / 200 keep-alive" \
    "a connection open before the reload goes on being answered in its session"
like "$(cat "$TRACK_LOG")" "serving the new certificate to new connections" \
    "the log says the new certificate is served"
is "$(curl -s -o /dev/null -w '%{http_code}' "$TRACK_URL/healthz")" 200 \
    "a new connection gets the new certificate, with no restart"
is "$(expiry)" "$(not_after "$pem/cert.pem")" "and /metrics its expiry"
is "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$pem/old.pem" "$TRACK_URL/healthz")" 000 \
    "and no longer the old one"

# A reload whose key does not fit the certificate is refused whole; the tracker serves on.
cp "$pem/cert.pem" "$pem/served.pem"
sed "s|^tls_key = .*|tls_key = $pem/old.pem|" "$TERN_CONFIG" >"$TERN_CONFIG.new" &&
    mv "$TERN_CONFIG.new" "$TERN_CONFIG"
kill -HUP "$TRACK_PID"
wait_log 1 "reload refused"
like "$(cat "$TRACK_LOG")" "reload refused, keeping the running configuration: track.tls_key $pem/old.pem: not a private key in PEM" \
    "a key file without a key refuses the reload and says which"
is "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$pem/served.pem" "$TRACK_URL/healthz")" 200 \
    "and the certificate served before is still served"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -keyout "$pem/other-key.pem" -out "$pem/other.pem" 2>/dev/null ||
    bail_out "openssl cannot make a certificate"
sed -i "s|^tls_key = .*|tls_key = $pem/other-key.pem|" "$TERN_CONFIG"
kill -HUP "$TRACK_PID"
wait_log 2 "reload refused"
like "$(cat "$TRACK_LOG")" "reload refused, keeping the running configuration: track.tls_key $pem/other-key.pem is not the private key of the certificate in track.tls_cert $pem/cert.pem" \
    "so does another certificate's key"
sed -i "s|^tls_key = .*|tls_key = $pem/key.pem|" "$TERN_CONFIG"

# Without tls_cert and tls_key a reload applies the rest and keeps serving HTTPS.
cp "$TERN_CONFIG" "$pem/tls.conf"
sed -i "/^tls_cert = /d; /^tls_key = /d" "$TERN_CONFIG"
kill -HUP "$TRACK_PID"
wait_log 3 reloaded
like "$(cat "$TRACK_LOG")" "switching track.listen between plain HTTP and HTTPS needs a restart: still serving HTTPS" \
    "a reload without a certificate says a switch to plain HTTP needs a restart"
is "$(curl -s -o /dev/null -w '%{http_code}' "$TRACK_URL/healthz")" 200 "and HTTPS goes on"
alive "$TRACK_PID"
is $? 0 "every reload ran in the same process"
track_stop
cp "$pem/tls.conf" "$TERN_CONFIG"
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
like "$err" "track.tls_key $pem/notakey.pem: not a private key in PEM" "and says which"
sed -i "/^tls_key = /d" "$TERN_CONFIG"
run_tern check-config
is "$status" 1 "a certificate without a key is a configuration error"
like "$err" "tern.conf:[0-9]*: \\[track\\] tls_cert needs tls_key too" "named with its file and line"

done_testing
