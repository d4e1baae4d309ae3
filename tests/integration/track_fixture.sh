# track_fixture.sh - run `tern track` for one test script
#
# Source after tap.sh, pg.sh and tern.sh, with $TERN_CONFIG written
# (tern_conf). Then:
#   track_conf [INI]   add a [track] section: listen on a free loopback
#                      port, spool under the scratch dir, plus INI lines
#   track_start        start the daemon in the background, wait until it
#                      listens; sets TRACK_PID, TRACK_URL, TRACK_LOG
#   track_stop         SIGTERM and wait (also run at exit)
#   track_kill         kill -9 (crash tests)
#   track_events TYPE  count of events of TYPE in PostgreSQL
#   track_wait_events TYPE N   wait up to 20 s until there are N of them
#   track_wait_drained wait up to 20 s until every record the tracker
#                      acknowledged is in PostgreSQL (its /metrics says so)
#   track_tamper TEXT  TEXT with one character changed (a forged token or key)
#   track_until_refused PATH MAX   GET PATH until a 503, at most MAX times:
#                      every status in $codes, the 302s counted in $served

track_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

track_conf() {
    TRACK_DIR=$(tap_tmpdir)
    TRACK_PORT=$(track_free_port)
    TRACK_URL=http://127.0.0.1:$TRACK_PORT
    TRACK_LOG=$TRACK_DIR/track.log
    printf '[track]\nlisten = 127.0.0.1:%s\nspool = %s/spool\n%s\n' \
        "$TRACK_PORT" "$TRACK_DIR" "${1:-}" >>"$TERN_CONFIG"
    at_exit "track_stop; rm -rf '$TRACK_DIR'"
}

track_start() {
    _tr_tries=0
    while :; do
        "$TERN" track 2>>"$TRACK_LOG" &
        TRACK_PID=$!
        i=0
        # 30 s: under a parallel sanitized test run a start can take a while.
        while ! curl -s -m 2 -o /dev/null "$TRACK_URL/healthz"; do
            i=$((i + 1))
            [ $i -le 300 ] && alive "$TRACK_PID" || break
            sleep 0.1
        done
        [ $i -gt 300 ] || ! alive "$TRACK_PID" || return 0
        # track_free_port's port can be taken by another process (an outgoing
        # connection of a parallel test) before the tracker binds it.
        if ! alive "$TRACK_PID" && [ $_tr_tries -lt 5 ] &&
            tail -n 3 "$TRACK_LOG" | grep -q 'Address already in use'; then
            wait "$TRACK_PID" 2>/dev/null
            _tr_tries=$((_tr_tries + 1))
            _tr_old=$TRACK_PORT
            TRACK_PORT=$(track_free_port)
            TRACK_URL=http://127.0.0.1:$TRACK_PORT
            sed -i "s|^listen = 127\.0\.0\.1:$_tr_old\$|listen = 127.0.0.1:$TRACK_PORT|" "$TERN_CONFIG"
            continue
        fi
        diag "tern track did not start:" "$(cat "$TRACK_LOG")"
        kill -KILL "$TRACK_PID" 2>/dev/null
        return 1
    done
}

track_stop() {
    [ -n "${TRACK_PID:-}" ] || return 0
    kill -TERM "$TRACK_PID" 2>/dev/null
    wait "$TRACK_PID" 2>/dev/null
    TRACK_PID=
}

track_kill() {
    kill -KILL "$TRACK_PID" 2>/dev/null
    wait "$TRACK_PID" 2>/dev/null
    TRACK_PID=
}

track_events() {
    pg_sql "SELECT count(*) FROM tern.events WHERE type = '$1'"
}

track_wait_events() {
    i=0
    while [ "$(track_events "$1")" -lt "$2" ] && [ $i -lt 200 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    track_events "$1"
}

track_wait_drained() {
    i=0
    while ! curl -s "$TRACK_URL/metrics" | grep -q '^tern_track_drain_lag_records 0$' && [ $i -lt 200 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}

# track_tamper TEXT: TEXT with its fifth-last character changed (a token or
# key whose MAC or secret no longer matches; the last character is left
# alone because its low bits are fixed by base64url).
track_tamper() {
    python3 -c 'import sys; t = sys.argv[1]; c = t[-5]; print(t[:-5] + ("B" if c != "B" else "C") + t[-4:])' "$1"
}

track_until_refused() {
    codes=
    for _tr_i in $(seq 1 "$2"); do
        _tr_c=$(curl -s -o /dev/null -w '%{http_code}' "$TRACK_URL$1")
        codes="$codes $_tr_c"
        [ "$_tr_c" = 503 ] && break
    done
    served=$(printf '%s' "$codes" | tr ' ' '\n' | grep -c 302)
}
