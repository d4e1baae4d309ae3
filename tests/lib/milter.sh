# milter.sh - tern milter behind a private Postfix, for end-to-end tests
#
# Source it (it sources tap.sh, pg.sh, tern.sh and postfix.sh), then:
#   milter_require          skip_all unless Postfix can run and `tern milter` is built
#   milter_setup [INI]      a migrated private PostgreSQL, a tern.conf whose [milter]
#                           section listens on a free loopback port (plus INI lines,
#                           appended to [milter]), one contact zoe@example.org
#                           (first_name Zoë); sets $dir, $MILTER_PORT
#   milter_start            start tern milter in the background (stopped at exit);
#                           its log is $dir/milter.log
#   milter_stop             SIGTERM it and wait
#   milter_reload           SIGUSR1 it and wait for the new generation's log line
#   milter_postfix [DIR]    a private Postfix with tern in smtpd_milters
#                           (PF_SMTPD_MILTERS set by the caller wins)
#   parts FILE ARGS...      tests/lib/mailparts.py on a captured message
#   last_delivered          the newest complete capture
#
# Scripts for `hook "message"` go in $dir/scripts (engine.scripts).

. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/lib/postfix.sh"

MAILPARTS="${DKIM_PYTHON:-/usr/bin/python3} $TERN_SRCDIR/tests/lib/mailparts.py"

milter_require() {
    pf_require
    "$TERN" milter --help >/dev/null 2>&1 || skip_all "tern milter is not built"
}

milter_setup() {
    tern_test_db
    chmod 755 "$dir"
    printf 'email,first_name\nzoe@example.org,Zo\303\253\n' >"$dir/contacts.csv"
    "$TERN" contacts import "$dir/contacts.csv" >/dev/null || bail_out "import failed"
    MILTER_PORT=$(pf_free_port)
    mkdir -p "$dir/scripts"
    {
        printf '[milter]\nsocket = inet:%s@127.0.0.1\nspool = %s/spool\n' "$MILTER_PORT" "$dir"
        printf 'managed_senders = news@example.com\n'
        [ -z "${1:-}" ] || printf '%s\n' "$1"
        printf '[engine]\nscripts = %s/scripts\n' "$dir"
    } >>"$TERN_CONFIG"
}

milter_spawn() {
    "$TERN" milter >>"$dir/milter.log" 2>&1 &
    milter_pid=$!
    at_exit "kill $milter_pid 2>/dev/null; wait $milter_pid 2>/dev/null"
}

milter_start() {
    _mt_tries=0 _mt_n=0
    milter_spawn
    # Listening on the port is not enough: a parallel test's daemon may hold it.
    until pf_listening "$MILTER_PORT" && alive "$milter_pid" &&
        grep -q "listening on inet:$MILTER_PORT@" "$dir/milter.log"; do
        if ! alive "$milter_pid"; then
            # pf_free_port's port was taken by another test before the milter bound it.
            grep -q "cannot listen on inet:$MILTER_PORT@" "$dir/milter.log" && [ $_mt_tries -lt 5 ] ||
                bail_out "tern milter exited: $(cat "$dir/milter.log")"
            _mt_tries=$((_mt_tries + 1)) _mt_old=$MILTER_PORT
            MILTER_PORT=$(pf_free_port)
            sed -i "s|^socket = inet:$_mt_old@|socket = inet:$MILTER_PORT@|" "$TERN_CONFIG"
            milter_spawn
        fi
        # 30 s: under a parallel sanitized test run a start can take a while.
        [ $_mt_n -lt 300 ] || bail_out "tern milter does not listen: $(cat "$dir/milter.log")"
        sleep 0.1
        _mt_n=$((_mt_n + 1))
    done
}

milter_stop() {
    kill -TERM "$milter_pid" 2>/dev/null
    wait "$milter_pid" 2>/dev/null
}

milter_reload() {
    _mt_before=$(grep -c 'serving generation' "$dir/milter.log")
    kill -USR1 "$milter_pid"
    _mt_n=0
    while [ "$(grep -c 'serving generation' "$dir/milter.log")" -le "$_mt_before" ]; do
        [ $_mt_n -lt 50 ] || return 1
        sleep 0.1
        _mt_n=$((_mt_n + 1))
    done
}

milter_postfix() {
    PF_SMTPD_MILTERS=${PF_SMTPD_MILTERS:-inet:127.0.0.1:$MILTER_PORT} \
        pf_start "${1:-$dir/pf}" || bail_out "cannot start Postfix"
}

parts() { $MAILPARTS "$@"; }

last_delivered() { pf_sink_files | tail -n 1; }
