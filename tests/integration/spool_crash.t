#!/bin/sh
# kill -9 while four threads append and sync: every record acknowledged
# after spool_sync is in the spool exactly once when it is reopened. Three
# rounds, each reopening (and recovering) the spool the last one left.
# The page cache survives a killed process, so this is not a power-loss test.
. "$TERN_SRCDIR/tests/lib/tap.sh"

helper="$TERN_BUILDDIR/tests/integration/spool_crash_helper"
dir=$(tap_tmpdir)
at_exit "rm -rf '$dir'"
: >"$dir/acks"

for round in r1 r2 r3; do
    "$helper" write "$dir/spool" "$dir/acks" "$round" 2>"$dir/writer.err" &
    pid=$!
    # let it acknowledge a few hundred records, then kill it mid-stream
    i=0
    while [ "$(wc -l <"$dir/acks")" -lt $((300 * ${round#r})) ] && [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1))
    done
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    ok "round $round: the writer ran until it was killed" test ! -s "$dir/writer.err"
    [ -s "$dir/writer.err" ] && diag "$(cat "$dir/writer.err")"
done

# The check prints its own TAP; renumber its assertions after ours.
"$helper" check "$dir/spool" "$dir/acks" >"$dir/check.tap" 2>&1
ok "the check ran to its end" test $? -le 1
while IFS= read -r line; do
    case $line in
    "ok "*) tap_result 0 "${line#ok * - }" ;;
    "not ok "*) tap_result 1 "${line#not ok * - }" ;;
    "1.."*) ;;
    *) printf '%s\n' "$line" ;;
    esac
done <"$dir/check.tap"
done_testing
