# track_load.sh - the crash and outage tests, for clicks and for the events API
#
# Source after track_fixture.sh, with the tracker started (track_start).
# Both run track_load.py in the background and compare the list of what it
# saw acknowledged with what reached PostgreSQL (events of TYPE, each
# carrying its index as data->>'link'):
#   load_crash TYPE N [LOAD ARGS]    kill -9 the tracker under load, start it
#                                    again on its spool
#   load_outage TYPE N [LOAD ARGS]   stop PostgreSQL under a steady load,
#                                    start it again

load_stored() {
    pg_sql "SELECT data->>'link' FROM tern.events WHERE type = '$1'" | sort >"$TRACK_DIR/stored"
}

load_crash() {
    type=$1 links=$2; shift 2
    acked=$TRACK_DIR/acked
    # The load goes on against the restarted tracker; a hit in flight at the
    # kill is given up (never acknowledged, stored at most once).
    : >"$acked"
    python3 "$TERN_SRCDIR/tests/integration/track_load.py" --port "$TRACK_PORT" \
        --links "$links" --threads 8 --deadline 3 --out "$acked" "$@" &
    load=$!
    i=0; while [ "$(wc -l <"$acked")" -lt 300 ] && [ $i -lt 200 ]; do
        sleep 0.05; i=$((i + 1)); done
    before=$(wc -l <"$acked")
    track_kill
    ok "the tracker was killed with $type acknowledged and more in flight ($before)" \
        test "$before" -ge 300 -a "$before" -lt "$links"
    sleep 0.5
    track_start || bail_out "tern track did not start again"
    wait $load

    n=$(wc -l <"$acked")
    got=$(track_wait_events "$type" "$n")
    ok "more were acknowledged after the restart ($n in all)" test "$n" -gt "$before"
    load_stored "$type"
    sort "$acked" >"$TRACK_DIR/acked.sorted"
    missing=$(comm -23 "$TRACK_DIR/acked.sorted" "$TRACK_DIR/stored" | wc -l)
    is "$missing" 0 "every acknowledged $type is in PostgreSQL"
    dups=$(uniq -d "$TRACK_DIR/stored" | wc -l)
    is "$dups" 0 "none is in PostgreSQL twice"
    unacked=$(comm -13 "$TRACK_DIR/acked.sorted" "$TRACK_DIR/stored" | wc -l)
    ok "only those in flight at the kill are stored unacknowledged ($unacked of $got)" \
        test "$unacked" -le 8
    like "$(cat "$TRACK_LOG")" 'listening on' "the restarted tracker came up on the old spool"
}

load_outage() {
    type=$1 links=$2; shift 2
    acked=$TRACK_DIR/acked
    : >"$acked"
    python3 "$TERN_SRCDIR/tests/integration/track_load.py" --port "$TRACK_PORT" \
        --links "$links" --threads 4 --rate 1000 --out "$acked" "$@" &
    load=$!
    sleep 0.5
    pg_stop
    stopped_at=$(wc -l <"$acked")
    sleep 1.5
    during=$(($(wc -l <"$acked") - stopped_at))
    ok "$type still acknowledged while PostgreSQL is down ($during in 1.5 s)" test "$during" -gt 100
    is "$(curl -s "$TRACK_URL/healthz")" ok "/healthz stays ok while PostgreSQL is down"
    like "$(curl -s "$TRACK_URL/metrics")" 'tern_track_spool_records [1-9]' "/metrics shows the backlog"
    pg_restart || bail_out "PostgreSQL did not come back"
    wait $load

    is "$(wc -l <"$acked")" "$links" "every one was acknowledged"
    got=$(track_wait_events "$type" "$links")
    is "$got" "$links" "once PostgreSQL is back, every one is in it"
    load_stored "$type"
    is "$(uniq "$TRACK_DIR/stored" | wc -l)" "$links" "each exactly once"
    like "$(cat "$TRACK_LOG")" 'warning' "the outage was logged"
}
