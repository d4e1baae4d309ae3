#!/bin/sh
# The daemons' fixtures pick a free port and then start the daemon on it;
# another process can take the port in between (parallel tests). Both
# fixtures then move the daemon to another port instead of failing, and
# tern milter says why it could not listen (libmilter tells only syslog).
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/lib/postfix.sh"
. "$TERN_SRCDIR/tests/lib/milter.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"
command -v curl >/dev/null || skip_all "curl is not installed"
"$TERN" milter --help >/dev/null 2>&1 || skip_all "tern milter is not built"

# hold PORT: a listener on 127.0.0.1:PORT until the script ends.
hold() {
    python3 -c "import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $1)); s.listen(); time.sleep(120)" &
    at_exit "kill $! 2>/dev/null"
    n=0
    until pf_listening "$1" || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
}

milter_setup
taken=$MILTER_PORT
hold "$taken"
milter_start
unlike "$MILTER_PORT" "^$taken\$" "the milter's fixture moves to another port when its own is taken"
like "$(cat "$dir/milter.log")" "cannot listen on inet:$taken@127.0.0.1: Address already in use" \
    "tern milter says why it could not listen on the taken port"
like "$(cat "$dir/milter.log")" "listening on inet:$MILTER_PORT@" "and the milter listens there"

track_conf
taken=$TRACK_PORT
hold "$taken"
track_start
unlike "$TRACK_PORT" "^$taken\$" "the tracker's fixture moves to another port when its own is taken"
is "$(curl -s "$TRACK_URL/healthz")" ok "and the tracker answers there"

done_testing
