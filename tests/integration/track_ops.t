#!/bin/sh
# Operating tern track: a unix socket listener, SIGHUP reloads (keys change,
# a bad file is refused and the running configuration kept), and a full
# spool refusing hits with 503 instead of acknowledging what it cannot keep.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
tern_test_db
old_key='k0:b2xkLXRlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWZnaGlqa2xtbg=='
track_conf "spool_max = 64KB
[keys]
hmac_old = $old_key"
track_start || bail_out "tern track did not start"
path_of() { printf '%s' "$1" | sed 's|^https://t\.example\.com||'; }
code_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

sed "s|^hmac = .*|hmac = $old_key|; /^hmac_old/d" "$TERN_CONFIG" >"$TRACK_DIR/k0.conf"
old=$(path_of "$("$TERN" -c "$TRACK_DIR/k0.conf" token click https://a.example/ --contact 1)")
is "$(code_of "$TRACK_URL$old")" 302 "a token of the retired key k0 redirects"

cp "$TERN_CONFIG" "$TRACK_DIR/good.conf"
sed -i '/^hmac_old/d' "$TERN_CONFIG"
kill -HUP "$TRACK_PID"
i=0; while ! grep -q reloaded "$TRACK_LOG" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
is "$(code_of "$TRACK_URL$old")" 404 "after SIGHUP without hmac_old, the k0 token is a 404"

printf 'bogus = 1\n' >>"$TERN_CONFIG"
kill -HUP "$TRACK_PID"
i=0; while ! grep -q 'reload refused' "$TRACK_LOG" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
like "$(cat "$TRACK_LOG")" 'reload refused, keeping the running configuration: .*bogus' \
    "a bad file is refused on SIGHUP, naming the problem"
new=$(path_of "$("$TERN" -c "$TRACK_DIR/good.conf" token click https://b.example/ --contact 1)")
is "$(code_of "$TRACK_URL$new")" 302 "and the tracker keeps serving with the running configuration"
cp "$TRACK_DIR/good.conf" "$TERN_CONFIG"

# A full spool: PostgreSQL away, 64 KB of spool, clicks until it refuses.
pg_stop
track_until_refused "$new" 400
like "$codes" '503$' "with PostgreSQL away and the spool at track.spool_max, clicks get 503"
unlike "$codes" ' 404' "every click before that was answered"
is "$(code_of "$TRACK_URL/healthz")" 503 "/healthz says the spool is full"
like "$(curl -s -D - -o /dev/null "$TRACK_URL$new" | tr -d '\r')" '^Retry-After: [0-9]+$' \
    "a refused click says when to retry"
pg_restart || bail_out "PostgreSQL did not come back"
n=$(track_wait_events email.click $((served + 2)))
is "$n" $((served + 2)) "once PostgreSQL is back, every click answered 302 is stored, none refused"
i=0; while [ "$(code_of "$TRACK_URL/healthz")" != 200 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "$(code_of "$TRACK_URL$new")" 302 "and clicks are accepted again"
track_stop

sock=$TRACK_DIR/track.sock
sed -i "s|^listen = .*|listen = unix:$sock|" "$TERN_CONFIG"
"$TERN" track 2>>"$TRACK_LOG" &
TRACK_PID=$!
i=0; while [ ! -S "$sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
is "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" "http://t$new")" 302 \
    "track.listen = unix:/path serves on a unix socket"
track_stop

# A spooled record PostgreSQL can never take is kept aside and counted, not dropped.
"$TERN_BUILDDIR/tests/integration/spool_crash_helper" append "$TRACK_DIR/spool" \
    '{"kind": "teleport", "id": 1}' || bail_out "cannot append to the spool"
"$TERN" track 2>>"$TRACK_LOG" &
TRACK_PID=$!
rejected() {
    curl -s --unix-socket "$sock" http://t/metrics | awk '/^tern_track_drain_rejected_total / { print $2 }'
}
i=0; while [ "$(rejected)" != 1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "$(rejected)" 1 "/metrics counts a record the drain could not apply"
is "$(pg_sql "SELECT reason || ' ' || convert_from(record, 'UTF8') FROM tern.record_rejects")" \
    'unknown kind (written by a newer tern?) {"kind": "teleport", "id": 1}' \
    "and the record is in tern.record_rejects, as spooled"
track_stop

done_testing
