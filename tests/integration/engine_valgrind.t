#!/bin/sh
# engine_valgrind.t - tern engine under valgrind: events taken in, journeys that
# wait, branch on a segment and send through a private Postfix with tern milter,
# a segment refreshed, two reloads meanwhile (one of a broken tree), then SIGTERM:
# no memory error and no definite or indirect leak.
. "$TERN_SRCDIR/tests/lib/milter.sh"
milter_require
command -v valgrind >/dev/null 2>&1 || skip_all "valgrind is not installed"
# A sanitizer build has its own shadow memory; valgrind cannot run it.
! grep -q __asan_init "$TERN" 2>/dev/null || skip_all "tern is built with AddressSanitizer"
milter_setup
milter_start
milter_postfix
mkdir -p "$dir/scripts/journeys" "$dir/scripts/segments" "$dir/templates"
printf 'templates = %s/templates\nsmtp = smtp://127.0.0.1:%s\n' "$dir" "$PF_PORT" >>"$TERN_CONFIG"

cat >"$dir/scripts/segments/fans.lua" <<'LUA'
segment "fans" { where = function(contact) return (contact.score or 0) >= 50 end }
LUA
cat >"$dir/scripts/journeys/welcome.lua" <<'LUA'
local j = journey "welcome" { entry = on "signup.done" }
function j.start(c)
  c:set("score", #c.contact.email * 10)
  return c:wait_for("order.placed", { timeout = "1d", matched = "thanks", timed_out = "nudge" })
end
function j.thanks(c)
  local e = c.event
  c:send("hello", { data = { coupon = "T" .. tostring(e and e.data.n or 0) } })
  if c:in_segment("fans") then c:set("fan", true) end
  return c:exit "thanked"
end
function j.nudge(c) return c:exit "nudged" end
return j
LUA
cat >"$dir/templates/hello.tpl" <<'TPL'
subject: Hello {{contact.first_name}}
from: News <news@example.com>

--- html
<p>Hi {{contact.first_name}}, use {{data.coupon}}: <a href="https://shop.example/a">shop</a></p>
--- text
Hi {{contact.first_name}}, use {{data.coupon}}
TPL
for i in 1 2 3 4 5 6; do
    printf 'email,first_name\nc%s@example.org,C%s\n' "$i" "$i" >"$dir/c.csv"
    "$TERN" contacts import "$dir/c.csv" >/dev/null || bail_out "import failed"
done

vg=$dir/engine-valgrind.log
valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$vg" \
    "$TERN" engine 2>"$dir/engine.log" &
pid=$!
at_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"

wait_for() { # SQL WANT: poll until the query gives WANT (at most 120 s: valgrind is slow)
    n=0
    while [ "$(pg_sql "$1")" != "$2" ] && [ $n -lt 600 ]; do
        alive "$pid" || break
        sleep 0.2
        n=$((n + 1))
    done
    [ "$(pg_sql "$1")" = "$2" ]
}
for i in 1 2 3 4 5 6; do "$TERN" event signup.done --email "c$i@example.org" >/dev/null; done
ok "the engine under valgrind enters every contact and waits" \
    wait_for "SELECT count(*) FROM tern.enrollments WHERE journey = 'welcome' AND status = 'waiting'" 6
# Exit 3: the engine was refreshing it at that moment (slowly, under valgrind); again.
n=0
run_tern segment refresh fans
while [ "$status" = 3 ] && [ $n -lt 120 ]; do
    sleep 0.5
    n=$((n + 1))
    run_tern segment refresh fans
done
is "$status" 0 "the segment refreshes while the engine runs"

kill -HUP "$pid"
printf 'this is not lua (\n' >"$dir/scripts/journeys/broken.lua"
n=0; until grep -q "reloaded .*: journeys from" "$dir/engine.log" || [ $n -ge 300 ]; do sleep 0.2; n=$((n + 1)); done
kill -HUP "$pid"
n=0; until grep -q "reload refused" "$dir/engine.log" || [ $n -ge 300 ]; do sleep 0.2; n=$((n + 1)); done
like "$(cat "$dir/engine.log")" "reload refused, keeping the running configuration: scripts: .*broken.lua:1" "a broken tree is refused and the running one kept"

for i in 1 2 3 4 5 6; do "$TERN" event order.placed --email "c$i@example.org" --data "{\"n\": $i}" >/dev/null; done
ok "every journey ends on its order" \
    wait_for "SELECT count(*) FROM tern.enrollments WHERE journey = 'welcome' AND status = 'exited'" 6
ok "every mail is submitted" wait_for "SELECT count(*) FROM tern.outbox WHERE status = 'sent'" 6
pf_wait_delivered 6 120 || bail_out "journey mail not delivered: $(pg_sql "SELECT status, last_error FROM tern.outbox")"
like "$(parts "$(last_delivered)" text)" "Hi C[1-6], use T[1-6]" "the mail carries the event's data"
is "$(pg_sql "SELECT count(*) FROM tern.contacts WHERE attributes->>'fan' = 'true'")" 6 \
    "the journey read the segment the engine refreshed"

kill -TERM "$pid"
wait "$pid"
status=$?
is "$status" 0 "valgrind found no memory error and no definite or indirect leak"
[ "$status" -eq 0 ] || diag "$(head -n 80 "$vg")"

done_testing
