#!/bin/sh
# Replays every fuzz target's committed corpus (seeds and past crashes).
# Each target NAME_fuzz.c has a replay program NAME_replay in the build.
n=0 failed=0
for dir in "$TERN_SRCDIR"/tests/fuzz/corpus/*/; do
    name=$(basename "$dir")
    prog=$TERN_BUILDDIR/tests/fuzz/${name}_replay
    [ -x "$prog" ] || continue
    for f in "$dir"*; do
        n=$((n + 1))
        if "$prog" "$f" >/dev/null 2>"$TERN_TMPDIR/replay.err"; then
            echo "ok $n - $name survives $(basename "$f")"
        else
            echo "not ok $n - $name crashes on $(basename "$f")"
            sed 's/^/# /' "$TERN_TMPDIR/replay.err" | head -30
            failed=$((failed + 1))
        fi
    done
done
echo "1..$n"
[ "$failed" -eq 0 ]
