#!/bin/sh
# `tern lint`: scripts and templates loaded without running them; every
# problem as file:line: message; exit 1 on any.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"

dir=$(tap_tmpdir)
at_exit "rm -rf '$dir'"
good=$TERN_SRCDIR/tests/lua/reg/good

run_tern lint "$good"
is "$status" 0 "a good tree lints cleanly"
is "$out" "" "and prints no problem"
like "$err" "tern lint: 0 problems" "the count goes to stderr"

run_tern lint "$good" --list
like "$out" "^$good/journeys/welcome.lua:2: journey welcome: entry on \"contact.confirmed\"; steps engaged, nudge, start, tips" \
    "--list names each journey with its file:line, entry and steps"
like "$out" "policy.lua:1: policy: caps 1/1d, 3/1w; on_cap skip" "--list shows the policy"
like "$out" "hooks/message.lua:2: hook message" "--list shows every hook"

# A broken tree: every file has its own problem, and all are reported.
bad=$dir/bad
mkdir -p "$bad/journeys" "$bad/lib"
cat >"$bad/journeys/a_syntax.lua" <<'LUA'
local j = journey "a" { entry = on "contact.confirmed" }
function j.start(c)
  return c:exit(
end
LUA
cat >"$bad/journeys/b_option.lua" <<'LUA'
local j = journey "b" {
  entry = on "contact.confirmed",
  priority = 150,
}
LUA
cat >"$bad/journeys/c_nostart.lua" <<'LUA'
local j = journey "c" { entry = on "order.placed" }
function j.later(c) return c:exit() end
LUA
cat >"$bad/journeys/d_dup.lua" <<'LUA'

local j = journey "c" { entry = on "order.placed" }
function j.start(c) return c:exit() end
LUA
cat >"$bad/journeys/e_module.lua" <<'LUA'
local util = require "lib.util"
LUA
cat >"$bad/lib/util.lua" <<'LUA'
return { x = nil .. "y" }
LUA
cat >"$bad/journeys/f_test.lua" <<'LUA'
this is not lua, and lint must not load it
LUA
cat >"$bad/journeys/ok_test.lua" <<'LUA'
also ignored: a test file
LUA
run_tern lint "$bad"
is "$status" 1 "a broken tree fails"
like "$out" "^$bad/journeys/a_syntax.lua:4: unexpected symbol near 'end'" "a syntax error with file:line"
like "$out" "journeys/b_option.lua:1: journey \"b\": priority must be an integer in 0..100, got 150" \
    "a bad option with the registering call's file:line"
like "$out" "journeys/c_nostart.lua:1: journey \"c\": has no start step" "a journey without a start step"
like "$out" "journeys/d_dup.lua:2: journey \"c\": is already defined at journeys/c_nostart.lua:1" \
    "a duplicate journey names both places"
like "$out" "^$bad/lib/util.lua:1: attempt to concatenate a nil value" "an error in a required module names the module"
unlike "$out" "f_test|ok_test" "*_test.lua files are not loaded"
unlike "$out" "stack traceback" "no tracebacks, one line per problem"
is "$(printf '%s\n' "$out" | grep -c 'lib/util.lua:1:')" 1 "a problem met twice (required, then loaded) is reported once"
is "$(printf '%s\n' "$out" | wc -l)" 5 "five problems, one line each"
like "$err" "tern lint: 5 problems" "and their count"

# One script: loaded with its tree, only its own problems (and its modules') reported.
run_tern lint "$bad/journeys/b_option.lua"
is "$status" 1 "a broken script given alone fails"
like "$out" "^$bad/journeys/b_option.lua:1: journey \"b\": priority must be an integer in 0..100, got 150" \
    "with its own problem"
unlike "$out" "a_syntax|c_nostart|d_dup" "and none of the other journeys'"
run_tern lint "$bad/journeys/e_module.lua"
like "$out" "^$bad/lib/util.lua:1: attempt to concatenate a nil value" \
    "a script's broken module is reported with it"
run_tern lint "$good/journeys/welcome.lua"
is "$status" 0 "a good script given alone passes"

# Templates.
tpl=$dir/templates
mkdir -p "$tpl/partials"
cat >"$tpl/welcome.tpl" <<'TPL'
subject: Welcome {{contact.first_name}}

--- html
<p>Hello {{contact.first_name | default: "there"}}</p>
--- text
Hello
TPL
printf '{{#items}}open\n' >"$tpl/partials/list.mustache"
printf 'subject: Hi {{#who}}\n\n--- html\nx\n' >"$tpl/typo.tpl"
printf 'not a template {{#\n' >"$tpl/README.md"
run_tern lint "$good" --templates "$tpl"
is "$status" 1 "a broken template fails the lint"
like "$out" "^$tpl/partials/list.mustache:1:[0-9]+: section \"items\" is never closed" \
    "a template error with file:line:column, also in subdirectories"
like "$out" "^$tpl/typo.tpl:1:[0-9]+: section \"who\" is never closed" "an error in a header value with file:line"
unlike "$out" "welcome.tpl|README" "good templates and other files are not reported"
run_tern lint "$tpl"
is "$status" 1 "a PATH holding templates has them parsed too"
like "$out" "^$tpl/typo.tpl:1:[0-9]+: section \"who\" is never closed" "and reported"
run_tern lint "$tpl/typo.tpl"
like "$out" "^$tpl/typo.tpl:1:[0-9]+: section \"who\" is never closed" "a template file given alone is parsed"
run_tern lint "$tpl/welcome.tpl"
is "$status" 0 "and passes when good"
rm "$tpl/partials/list.mustache" "$tpl/typo.tpl"
run_tern lint "$good" --templates "$tpl"
is "$status" 0 "good scripts and templates pass"

# Without PATH: the configuration's engine.scripts and engine.templates.
tern_conf "$dir/tern.conf" "[engine]
scripts = $bad
templates = $tpl"
run_tern lint
is "$status" 1 "without PATH the configured scripts are linted"
like "$out" "^$bad/journeys/b_option.lua:1:" "the configured tree's problems are reported"
tern_conf "$dir/tern.conf" "[engine]
scripts = $good
templates = $tpl"
run_tern lint
is "$status" 0 "the configured good trees pass"
printf '[database]\nurl = x\nnonsense = 1\n' >"$dir/broken.conf"
run_tern -c "$dir/broken.conf" lint
is "$status" 1 "a broken configuration fails"
like "$err" "broken.conf:3:" "with the configuration's file:line"
unset TERN_CONFIG
if [ -e /etc/tern/tern.conf ]; then
    tap_result 0 "# SKIP /etc/tern/tern.conf exists: no current-directory default to test"
else
    out=$(cd "$bad" && "$TERN" lint 2>/dev/null)
    like "$out" "^journeys/b_option.lua:1:" "without PATH or configuration the current directory is linted"
fi

run_tern lint "$dir/nosuchdir"
is "$status" 1 "a missing tree fails"
like "$out" "nosuchdir" "and is named"
run_tern lint "$good" "$bad"
is "$status" 2 "two paths are a usage error"

done_testing
