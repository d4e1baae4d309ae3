#!/bin/sh
# `tern simulate`: real journey scripts on a virtual clock, no database;
# the human timeline, --json, errors with file:line, and the shipped
# double opt-in journey.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"

dir=$(tap_tmpdir)
at_exit "rm -rf '$dir'"
doi=$TERN_SRCDIR/scripts/journeys/double_opt_in.lua
start=2026-01-05T09:00:00Z

# The shipped double opt-in: nobody confirms.
run_tern simulate "$doi" --events contact.subscribed@0 --start $start --days 10
is "$status" 0 "double opt-in without a confirmation runs"
like "$out" "^\+0s +2026-01-05T09:00:00Z  double_opt_in  enter  start: on contact.subscribed" \
    "the subscription enters the journey at the start"
like "$out" "\+0s .*double_opt_in  send  start  doi-confirm: transactional" \
    "the confirmation mail goes out at once, as transactional mail"
like "$out" "\+2d +2026-01-07T09:00:00Z  double_opt_in  send  remind  doi-reminder" \
    "the reminder follows after two days"
like "$out" "\+7d +2026-01-12T09:00:00Z  double_opt_in  exit  expire: not confirmed within 7 days" \
    "the request expires seven days after the first mail"

# Confirmed on day 3: the wait_for goes on to `confirmed`, no expiry.
run_tern simulate "$doi" --events contact.subscribed@0,contact.confirmed@3d --start $start --days 10
like "$out" "\+3d .*double_opt_in  step  confirmed: set optin=\"confirmed\"" \
    "a confirmation while waiting runs the matched step"
like "$out" "\+3d .*double_opt_in  exit  confirmed: confirmed" "which ends the journey"
unlike "$out" "step  expire" "and the expiry step never runs"

# An unsubscribe ends it from the wait.
run_tern simulate "$doi" --events contact.subscribed@0,email.unsubscribe@1d --start $start --days 10
like "$out" "\+1d .*double_opt_in  exit  start: on email.unsubscribe" \
    "an unsubscribe while waiting exits"
unlike "$out" "doi-reminder" "and no reminder goes out"

# --json: one object per entry, "at" in seconds since the start.
run_tern simulate "$doi" --events contact.subscribed@0,contact.confirmed@3d --start $start --days 10 --json
is "$status" 0 "--json runs"
line=$(printf '%s\n' "$out" | grep '"kind":"send"' | tail -n 1 | sed 's/,$//')
is "$line" '{"at":172800,"journey":"double_opt_in","kind":"send","step":"remind","template":"doi-reminder","detail":"transactional, priority 90"}' \
    "--json: a send entry with at, journey, kind, step, template and detail"
first=$(printf '%s\n' "$out" | head -n 1) last=$(printf '%s\n' "$out" | tail -n 1)
is "$first$last" "[]" "--json prints one array, one entry per line"
if command -v python3 >/dev/null; then
    n=$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
    is "$n" "$(printf '%s\n' "$out" | grep -c '"kind"')" "--json is valid JSON with every entry"
fi

# Events from a file, the contact's attributes in the step, a failing step.
cat >"$dir/events.json" <<'JSON'
[{"at": "0", "type": "order.placed", "data": {"total": 42}},
 {"at": "2026-01-06T09:00:00Z", "type": "order.placed", "data": {"total": 7}}]
JSON
cat >"$dir/thanks.lua" <<'LUA'
local j = journey "thanks" { entry = on "order.placed", reentry = "always" }
function j.start(c)
  if c.event.data.total < 10 then
    return c:go(c.vars.nothing.here)
  end
  c:send("thanks", { data = { total = c.event.data.total } })
  return c:exit("thanked " .. c.contact.first_name)
end
LUA
run_tern simulate "$dir/thanks.lua" --events "@$dir/events.json" --contact '{"first_name": "Ada"}' \
    --start $start --days 3
is "$status" 3 "a step that failed makes the exit status 3"
like "$out" "\+0s .*thanks  exit  start: thanked Ada" "the step reads c.event and c.contact"
like "$out" "\+1d .*thanks  error  start: $dir/thanks.lua:4: attempt to index a nil value" \
    "a failing step is an error entry with the file:line as given"

printf '[{"at": 9223372036854775000, "type": "order.placed", "data": {"total": 20}}]\n' \
    >"$dir/far.json"
run_tern simulate "$dir/thanks.lua" --events "@$dir/far.json" --start $start --days 3
is "$status" 2 "an event offset beyond 100 years is refused as a usage error"
like "$err" "far.json.*at: want an offset" "naming the file and the field"

# Several journeys under --policy: the cap defers the lower priority's mail.
cat >"$dir/policy.lua" <<'LUA'
policy { caps = { marketing = { "1/1d" } }, on_cap = "defer" }
LUA
cat >"$dir/promo.lua" <<'LUA'
local j = journey "promo" { entry = on "order.placed", priority = 20 }
function j.start(c) c:send "promo" return c:exit() end
LUA
cat >"$dir/upsell.lua" <<'LUA'
local j = journey "upsell" { entry = on "order.placed", priority = 70 }
function j.start(c) c:send "upsell" return c:exit() end
LUA
run_tern simulate "$dir/promo.lua" "$dir/upsell.lua" --policy "$dir/policy.lua" \
    --events order.placed@0 --start $start --days 3
is "$status" 0 "two journeys and a policy run together"
like "$out" "\+0s .*upsell  send  start  upsell" "the higher priority sends first"
like "$out" "\+0s .*promo  capped  start  promo: cap 1/1d: step runs again 2026-01-06T09:00:00Z" \
    "the lower priority is capped and deferred"
like "$out" "\+1d .*promo  send  start  promo" "and sends when the cap allows"

# --templates: every sent template must exist.
run_tern simulate "$doi" --events contact.subscribed@0 --start $start --days 10 \
    --templates "$TERN_SRCDIR/templates"
is "$status" 0 "the double opt-in's templates are all shipped"
is "$err" "" "and nothing is reported"
run_tern simulate "$dir/promo.lua" --events order.placed@0,order.placed@1d --start $start \
    --days 3 --templates "$TERN_SRCDIR/templates"
is "$status" 3 "a send of a template that does not exist makes the exit status 3"
is "$err" "tern simulate: promo sends template \"promo\": no promo.tpl or promo in $TERN_SRCDIR/templates" \
    "reported once, naming the journey, the template and the directory"
mkdir -p "$dir/tpl/nl"
printf -- '--- html\n<p>promo</p>\n' >"$dir/tpl/nl/promo.tpl"
run_tern simulate "$dir/promo.lua" --events order.placed@0 --start $start --days 1 \
    --templates "$dir/tpl" --contact '{"tenant": "nl"}'
is "$status" 0 "a template the contact's tenant overrides counts as there"
run_tern simulate "$dir/promo.lua" --events order.placed@0 --start $start --days 1 \
    --templates "$dir/tpl" --contact '{"tenant": "de"}'
is "$status" 3 "another tenant's override does not"

# Usage and load errors.
run_tern simulate
is "$status" 2 "no journey is a usage error"
printf 'local j = journey "x" { entry = on "a.b" }\n' >"$dir/nostart.lua"
run_tern simulate "$dir/nostart.lua"
is "$status" 1 "a tree that does not load fails"
like "$err" "$dir/nostart.lua:1: journey \"x\": has no start step" "naming the file as given"
run_tern simulate "$doi" --events "contact.subscribed"
is "$status" 2 "an event without @OFFSET is a usage error"
like "$err" "want TYPE@OFFSET" "with the expected form"

cat >"$dir/bad_events.json" <<'JSON'
[{"at": "1d", "type": "order.placed"}, {"at": "2d", "type": 7}]
JSON
run_tern simulate "$doi" --events "@$dir/bad_events.json"
is "$status" 2 "an events file with a bad element is a usage error"
like "$err" "$dir/bad_events.json: \[1\]: type: want a string" "naming the file and the element"
run_tern simulate "$doi" --events "contact.subscribed@-1d"
like "$err" "may not be negative" "an offset before the start is refused"
run_tern simulate "$doi" --contact '{"first_name": ' --events contact.subscribed@0
is "$status" 2 "a --contact that is not JSON is a usage error"

# A journey in a scripts tree keeps its folder and may require the tree's lib/ modules.
countdown=$TERN_SRCDIR/scripts/journeys/preorder_countdown.lua
run_tern simulate "$countdown" --contact '{"preorder_opens_at": "2026-01-20T09:00:00Z"}' \
    --events preorder.registered@0 --start $start --days 20
is "$status" 0 "a shipped journey that requires lib/time.lua runs"
like "$out" "\+14d .*preorder_countdown  send  remind  preorder-countdown" \
    "its countdown reaches the last reminder"
mkdir -p "$dir/tree/journeys" "$dir/tree/lib"
printf 'return { greet = function() return nil + 1 end }\n' >"$dir/tree/lib/bad.lua"
printf 'local bad = require "lib.bad"\nlocal j = journey "t" { entry = on "x.y" }\nfunction j.start(c) bad.greet() return c:exit() end\nreturn j\n' \
    >"$dir/tree/journeys/t.lua"
run_tern simulate "$dir/tree/journeys/t.lua" --events x.y@0 --start $start --days 1
like "$out" "error  start: $dir/tree/lib/bad.lua:1: " "an error in a required module names the module's path as given"

# A journey in a tenant's folder (scripts/nl/journeys/) is that tenant's, as under the engine,
# and may require the tenant's own modules.
mkdir -p "$dir/scripts/journeys" "$dir/scripts/nl/journeys" "$dir/scripts/nl/lib"
printf 'return { hi = function() return "hallo" end }\n' >"$dir/scripts/nl/lib/greet.lua"
printf 'local g = require "nl.lib.greet"\nlocal j = journey "welcome_nl" { entry = on "x.y" }\nfunction j.start(c) c:set("greeting", g.hi()) return c:exit() end\nreturn j\n' \
    >"$dir/scripts/nl/journeys/w.lua"
run_tern simulate "$dir/scripts/nl/journeys/w.lua" --contact '{"tenant": "nl"}' --events x.y@0 \
    --start $start --days 1
like "$out" "welcome_nl  step  start: set greeting=\"hallo\"" \
    "a tenant folder's journey runs for its tenant, with the tenant's own module"
run_tern simulate "$dir/scripts/nl/journeys/w.lua" --events x.y@0 --start $start --days 1
unlike "$out" "welcome_nl  enter" "and does not enroll a contact of another tenant"

done_testing
