#!/bin/sh
# The shipped scripts and templates: every journey's *_test.lua passes and
# `tern lint` finds no problem in scripts/ and templates/.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"

scripts=$TERN_SRCDIR/scripts
templates=$TERN_SRCDIR/templates

run_tern test "$scripts" --templates "$templates"
is "$status" 0 "every shipped journey test passes"
[ "$status" = 0 ] || diag "$(printf '%s\n' "$out" | grep -A2 '^not ok')"
like "$out" "^ok [0-9]+ - journeys/double_opt_in_test.lua: " "the journeys' tests ran"

run_tern lint "$scripts" --templates "$templates"
is "$status" 0 "tern lint finds no problem in the shipped scripts and templates"
[ "$status" = 0 ] || diag "$out" "$err"

done_testing
