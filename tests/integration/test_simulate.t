#!/bin/sh
# simulate{...} in `tern test`: the tree tests/lua/simulate/ checks the
# timeline, its helpers, caps and every refused spec from Lua; here only
# that all of it passes, and that without --templates sends are unchecked.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"

tree=$TERN_SRCDIR/tests/lua/simulate

run_tern test "$tree" --templates "$tree/templates"
is "$status" 0 "every simulate{} test passes"
[ "$status" = 0 ] || diag "$out"
unlike "$out" "^not ok" "no test fails"

run_tern test "$tree"
like "$out" "^not ok .* a send of a template that --templates lacks is an error" \
    "without --templates a missing template is not an error"

done_testing
