#!/bin/sh
# track_disk_full.t - the spool's file system full before track.spool_max: clicks
# get 503 with Retry-After and nothing unacknowledged is kept half-written; once
# there is room again, clicks are accepted and every click answered 302 reaches
# PostgreSQL exactly once. Needs root to mount a small tmpfs.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
[ "$(id -u)" = 0 ] || skip_all "mounting a small file system needs root"
tern_test_db
disk=$(tap_tmpdir)
mount -t tmpfs -o size=192k,mode=0700 tern-test "$disk" 2>/dev/null || skip_all "cannot mount a tmpfs here"
at_exit "umount '$disk' 2>/dev/null; rmdir '$disk' 2>/dev/null"
track_conf
sed -i "s|^spool = .*|spool = $disk/spool|" "$TERN_CONFIG"
track_start || bail_out "tern track did not start"
click=$("$TERN" token click https://shop.example/sale --contact 1 | sed 's|^https://t\.example\.com||')
code_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

pg_stop # the drain would free segments as fast as clicks fill them
track_until_refused "$click" 3000
like "$codes" '503$' "clicks get 503 once the spool's file system is full"
unlike "$codes" ' (000|404|500)' "every click before that was answered 302"
like "$(curl -s -D - -o /dev/null "$TRACK_URL$click" | tr -d '\r')" '^Retry-After: [0-9]+$' \
    "a refused click says when to retry"
like "$(cat "$TRACK_LOG")" "No space left on device" "the log says the disk is full"
alive "$TRACK_PID"
is $? 0 "the tracker keeps running"

mount -o remount,size=4m "$disk" || bail_out "cannot grow the tmpfs"
pg_restart || bail_out "PostgreSQL did not come back"
i=0; while [ "$(code_of "$TRACK_URL$click")" != 302 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "$(code_of "$TRACK_URL$click")" 302 "with room again, clicks are accepted"
track_wait_drained
is "$(track_events email.click)" $((served + 2)) \
    "every click answered 302 is in PostgreSQL, once, and no refused one"
track_stop

done_testing
