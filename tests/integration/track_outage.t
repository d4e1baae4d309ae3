#!/bin/sh
# Outage test: stop PostgreSQL during a steady click load; the tracker keeps
# answering every click from its spool, and once PostgreSQL is back every
# acknowledged click arrives exactly once.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"

command -v curl >/dev/null && command -v python3 >/dev/null || skip_all "needs curl and python3"
tern_test_db
track_conf
track_start || bail_out "tern track did not start"
acked=$TRACK_DIR/acked
links=3000
: >"$acked"
python3 "$TERN_SRCDIR/tests/integration/track_load.py" --port "$TRACK_PORT" \
    --key "$TERN_TEST_KEY" --links $links --threads 4 --rate 1000 --out "$acked" &
load=$!
sleep 0.5
pg_stop
stopped_at=$(wc -l <"$acked")
sleep 1.5
during=$(($(wc -l <"$acked") - stopped_at))
ok "clicks are still answered while PostgreSQL is down ($during in 1.5 s)" test "$during" -gt 100
is "$(curl -s "$TRACK_URL/healthz")" ok "/healthz stays ok while PostgreSQL is down"
like "$(curl -s "$TRACK_URL/metrics")" 'tern_track_spool_records [1-9]' "/metrics shows the backlog"
pg_restart || bail_out "PostgreSQL did not come back"
wait $load

is "$(wc -l <"$acked")" $links "every click was acknowledged"
got=$(track_wait_events email.click $links)
is "$got" $links "once PostgreSQL is back, every click is in it"
is "$(pg_sql "SELECT count(DISTINCT data->>'link') FROM tern.events WHERE type = 'email.click'")" $links \
    "each exactly once"
like "$(cat "$TRACK_LOG")" 'warning' "the outage was logged"

done_testing
