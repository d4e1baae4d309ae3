# spool_pg.sh - stop and restart the test's private cluster from a C test
#
# Source after tern_test_db (tests/lib/tern.sh). Exports TERN_PG_STOP and
# TERN_PG_START: shell commands that stop the cluster and start it again
# on the same socket and port, so connection strings stay valid.
pg_run_as=""
[ "$(id -u)" = 0 ] && pg_run_as="runuser -u postgres --"
TERN_PG_STOP="$pg_run_as $PG_BINDIR/pg_ctl -D $pg_dir/data -m immediate -w stop >/dev/null"
TERN_PG_START="$pg_run_as $PG_BINDIR/pg_ctl -D $pg_dir/data -l $pg_dir/server.log -w -t 60 \
-o \"$pg_opts\" start >/dev/null"
export TERN_PG_STOP TERN_PG_START
