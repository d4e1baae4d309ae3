#!/bin/sh
# The PostgreSQL fixture in a build tree far from / (a distcheck of a deep
# checkout): a unix socket's path has room for 107 bytes only, so the
# cluster's socket goes to a short directory, and goes away with it.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"

deep=$(tap_tmpdir) || bail_out "no scratch dir"
at_exit "rm -rf '$deep'"
chmod 755 "$deep"
long=$deep/$(printf 'deep%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25)

# The fixture runs in a child shell, as a test would; it prints the
# socket's directory and exits, and its exit handlers clean up.
out=$(TERN_TMPDIR=$long sh -c '
    . "$TERN_SRCDIR/tests/lib/tap.sh"; . "$TERN_SRCDIR/tests/lib/pg.sh"
    pg_start_temp >/dev/null 2>&1 || exit 1
    echo "sock $PGHOST"
    echo "first $(pg_sql "SELECT 1")"
    pg_stop && pg_restart || exit 1
    echo "again $(pg_sql "SELECT 2")"')

sock=$(echo "$out" | sed -n 's/^sock //p')
ok "a cluster under a deep directory gets a socket path within 107 bytes" \
    test -n "$sock" -a $((${#sock} + 16)) -le 107
is "$(echo "$out" | sed -n 's/^first //p')" 1 "a cluster under a deep directory answers queries"
is "$(echo "$out" | sed -n 's/^again //p')" 2 "a cluster under a deep directory answers again after pg_restart"
ok "the short socket directory is removed when the test exits" \
    test -n "$sock" -a ! -e "$sock"
done_testing
