#!/bin/sh
# Crash test: under a steady click load, kill -9 the tracker, start it
# again on the same spool, and prove every acknowledged click (answered
# 302) is in PostgreSQL exactly once.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"

command -v curl >/dev/null && command -v python3 >/dev/null || skip_all "needs curl and python3"
tern_test_db
track_conf
track_start || bail_out "tern track did not start"
acked=$TRACK_DIR/acked
links=6000

# The load goes on against the restarted tracker; a click in flight at the
# kill is given up (never acknowledged, stored at most once).
: >"$acked"
python3 "$TERN_SRCDIR/tests/integration/track_load.py" --port "$TRACK_PORT" \
    --key "$TERN_TEST_KEY" --links $links --threads 8 --deadline 3 --out "$acked" &
load=$!
i=0; while [ "$(wc -l <"$acked")" -lt 300 ] && [ $i -lt 200 ]; do
    sleep 0.05; i=$((i + 1)); done
before=$(wc -l <"$acked")
track_kill
ok "the tracker was killed with clicks acknowledged and more in flight ($before)" \
    test "$before" -ge 300 -a "$before" -lt $links
sleep 0.5
track_start || bail_out "tern track did not start again"
wait $load

n=$(wc -l <"$acked")
got=$(track_wait_events email.click "$n")
ok "more clicks were acknowledged after the restart ($n in all)" test "$n" -gt "$before"
pg_sql "SELECT data->>'link' FROM tern.events WHERE type = 'email.click'" | sort >"$TRACK_DIR/stored"
sort "$acked" >"$TRACK_DIR/acked.sorted"
missing=$(comm -23 "$TRACK_DIR/acked.sorted" "$TRACK_DIR/stored" | wc -l)
is "$missing" 0 "every acknowledged click is in PostgreSQL"
dups=$(uniq -d "$TRACK_DIR/stored" | wc -l)
is "$dups" 0 "no click is in PostgreSQL twice"
unacked=$(comm -13 "$TRACK_DIR/acked.sorted" "$TRACK_DIR/stored" | wc -l)
ok "only clicks in flight at the kill are stored unacknowledged ($unacked of $got)" test "$unacked" -le 8
like "$(cat "$TRACK_LOG")" 'listening on' "the restarted tracker came up on the old spool"

done_testing
