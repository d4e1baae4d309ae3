#!/bin/sh
# SIGTERM while a request still waits for PostgreSQL: new requests get 503
# meanwhile; after its grace the tracker stops on its own terms (the spool
# drained as far as it goes), never aborting, and says it leaves that request
# unanswered.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
tern_test_db
track_conf
track_start || bail_out "tern track did not start"
ann=$(pg_sql "INSERT INTO tern.contacts (email) VALUES ('ann@example.com') RETURNING id")
prefs=$("$TERN" token preferences --contact "$ann" | sed 's|^https://t\.example\.com||')
code=$(curl -s -o /dev/null -w '%{http_code}' "$TRACK_URL$prefs")
is "$code" 200 "the preference page answers while PostgreSQL does"

# Freeze the cluster (the postmaster and every backend): a page's query then never returns.
pm=$(head -n 1 "$pg_dir/data/postmaster.pid")
frozen="$pm $(pgrep -P "$pm" | tr '\n' ' ')"
thaw() { kill -CONT $frozen 2>/dev/null; }
at_exit thaw
kill -STOP $frozen
curl -s -o /dev/null --max-time 60 "$TRACK_URL$prefs" &
waiting=$!
at_exit "kill $waiting 2>/dev/null"
sleep 1 # the page's job is on a worker, its connection suspended
kill -TERM "$TRACK_PID"
(sleep 8; thaw) & # after the grace: the drain's own stop may need the server back
sleep 0.5
during=$(curl -s -D - -o /dev/null --max-time 3 "$TRACK_URL/healthz" | tr -d '\r')
wait "$TRACK_PID"
rc=$?
TRACK_PID=
thaw
is "$rc" 0 "the tracker stops with status 0, not an abort"
like "$during" "^HTTP/1.1 503" "a request during the grace gets 503, for a load balancer to go elsewhere"
like "$during" "Connection: close" "and its connection is closed"
like "$(cat "$TRACK_LOG")" "1 request still wait for the spool or PostgreSQL at shutdown; the tracker exits without answering" \
    "and says which requests it left unanswered"
like "$(tail -n 1 "$TRACK_LOG")" "stopped" "its last line says it stopped"

done_testing
