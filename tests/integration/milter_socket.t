#!/bin/sh
# tern milter on a unix socket: it listens there, and when it cannot, it
# says why on its own log (libmilter tells only syslog).
. "$TERN_SRCDIR/tests/lib/milter.sh"
"$TERN" milter --help >/dev/null 2>&1 || skip_all "tern milter is not built"

milter_setup
# Sockets go in a short directory: a deep build tree's scratch dir may not
# fit a socket path (107 bytes).
short=$(mktemp -d /tmp/tern-ms.XXXXXX) || bail_out "no short scratch dir"
at_exit "rm -rf '$short'"

# listen_on SPEC: run tern milter on SPEC until it exits (at most 30 s);
# prints its exit status and then its log.
listen_on() {
    sed -i "s|^socket = .*|socket = $1|" "$TERN_CONFIG"
    timeout 30 "$TERN" milter >"$dir/try.log" 2>&1
    echo "exit $?"
    cat "$dir/try.log"
}

out=$(listen_on "unix:$short/missing/milter.sock")
like "$out" "^exit 1" "tern milter exits with status 1 when its socket's directory is missing"
like "$out" "cannot listen on unix:$short/missing/milter.sock: $short/missing: No such file or directory" \
    "and says the directory is missing"

: >"$short/plain"
out=$(listen_on "unix:$short/plain")
like "$out" "cannot listen on unix:$short/plain: $short/plain exists and is not a socket" \
    "a file in the socket's place is named"

out=$(listen_on "unix:$short/plain/milter.sock")
like "$out" "cannot listen on unix:$short/plain/milter.sock: $short/plain is not a directory" \
    "a socket directory that is a file is named"

sed -i "s|^socket = .*|socket = unix:$short/milter.sock|" "$TERN_CONFIG"
"$TERN" milter >"$dir/unix.log" 2>&1 &
pid=$!
at_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
n=0
until grep -q "listening on unix:$short/milter.sock" "$dir/unix.log" || [ $n -ge 300 ] || ! alive "$pid"; do
    sleep 0.1
    n=$((n + 1))
done
ok "tern milter listens on unix:PATH" test -S "$short/milter.sock"
kill -TERM "$pid"
wait "$pid"
is "$?" 0 "and stops cleanly on SIGTERM"
done_testing
