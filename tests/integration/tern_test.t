#!/bin/sh
# `tern test [DIR]`: every *_test.lua under DIR in the sandbox, TAP out, with
# the sample trees in tests/lua/tern_test/ (pass, fail, broken).
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"

trees=$TERN_SRCDIR/tests/lua/tern_test
dir=$(tap_tmpdir)
at_exit "rm -rf '$dir'"

# has GOT TEXT NAME / lacks GOT TEXT NAME: TEXT is literal and may span lines.
has() {
    case $1 in *"$2"*) tap_result 0 "$3" ;; *) tap_result 1 "$3"; diag "got:  $1" "want: $2" ;; esac
}
lacks() {
    case $1 in *"$2"*) tap_result 1 "$3"; diag "got:  $1" "must not contain: $2" ;; *) tap_result 0 "$3" ;; esac
}

run_tern test "$trees/pass" --templates "$trees/pass/templates"
is "$status" 0 "a tree whose tests all pass exits 0"
is "$(printf '%s\n' "$out" | grep -c '^ok ')" 8 "one ok line per test"
has "$out" "ok 4 - lib/greeting_test.lua: greets a contact by first name" \
    "a line names the file and the test"
has "$out" "ok 8 - lib/greeting_test.lua: counts from a fresh module in every file" \
    "files run in fresh states: module state does not leak between files"
has "$out" "ok 2 - lib/again_test.lua: renders a template file from --templates" \
    "template.render finds --templates"
has "$out" "ok 3 - lib/again_test.lua: has no database" "db.query has no database"
lacks "$out" "hidden" "files under dot directories are not run"
is "$(printf '%s\n' "$out" | grep '^1\.\.')" "1..8" "the plan counts the tests"

(cd "$trees/pass" && "$TERN" test --templates templates >"$dir/cwd.out" 2>&1)
is "$?" 0 "without DIR the current directory is tested"
has "$(cat "$dir/cwd.out")" "ok 1 - lib/again_test.lua" "with paths relative to it"

run_tern test "$trees/fail" --timeout 200
is "$status" 1 "a tree with failing tests exits 1"
has "$out" "ok 1 - a_expect_test.lua: passes before the failures" "passing tests still pass"
has "$out" "not ok 2 - a_expect_test.lua: names the first difference of a deep comparison
#   a_expect_test.lua:6: expected {contact = {tags = {\"vip\", \"nl\"}}} to equal {contact = {tags = {\"vip\", \"de\"}}}: at contact.tags[2]: got \"nl\", want \"de\"" \
    "deep equality names file:line and the path of the first difference"
has "$out" "#   a_expect_test.lua:10: expected \"Hello Ann\" to be \"Hello Bob\"" "to_be"
has "$out" "#   a_expect_test.lua:14: expected 3 not to be 3" "never"
has "$out" "#   a_expect_test.lua:18: expected the function to fail: it returned normally" "to_fail"
has "$out" "ok 6 - a_expect_test.lua: runs after the failures" "a failure does not stop the file"
has "$out" "not ok 7 - b_error_test.lua: a script error inside the code under test
#   lib.lua:2: attempt to index a nil value (field 'contact')" \
    "a script error is a failed test with the script's file:line"
has "$out" "#   b_error_test.lua:8: time limit exceeded (200 ms)" "a runaway test is stopped"
has "$out" "ok 9 - b_error_test.lua: still runs after the time limit" "and the next one runs"
has "$out" "not ok 10 - c_toplevel_test.lua
#   c_toplevel_test.lua:3: attempt to index a nil value (local 'x')" \
    "an error at a test file's top level fails the file with file:line"
has "$out" "not ok 11 - d_empty_test.lua
#   d_empty_test.lua: declares no tests" "a test file without tests fails"
has "$out" "not ok 12 - e_syntax_test.lua
#   e_syntax_test.lua:1: ')' expected near 'function'" "a syntax error fails the file"
has "$out" "# 12 tests, 9 failed" "a summary ends the output"
lacks "$out" "traceback" "tracebacks only with --verbose"

run_tern test -v "$trees/fail" --timeout 200
has "$out" "stack traceback:" "--verbose adds the traceback"

run_tern test "$trees/broken"
is "$status" 1 "scripts that do not load exit 1"
has "$out" "Bail out! bad.lua:2: <name> or '...' expected near 'return'" \
    "with a TAP bail-out naming file:line"

mkdir "$dir/empty"
run_tern test "$dir/empty"
is "$status" 0 "a tree without tests is not a failure"
has "$out" "1..0 # no *_test.lua files under" "and says so in TAP"

run_tern test "$dir/nonexistent"
is "$status" 1 "a missing directory fails"
has "$err" "tern test: $dir/nonexistent: No such file or directory" "and says why"

run_tern test a b
is "$status" 2 "two directories are a usage error"
run_tern test --timeout 0 "$trees/pass"
is "$status" 2 "a zero timeout is a usage error"

done_testing
