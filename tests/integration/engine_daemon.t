#!/bin/sh
# engine_daemon.t - tern engine as a daemon: it picks events up by itself,
# SIGHUP reloads tern.conf and the scripts (a broken tree or configuration
# keeps the running one), SIGTERM stops it cleanly.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/engine_fixture.sh"
engine_setup

engine_journey first <<'LUA'
local j = journey "first" { entry = on "signup.done" }
function j.start(c) return c:exit "ran" end
return j
LUA

# wait_for SQL WANT: poll until the query gives WANT (at most 10 s).
wait_for() {
    n=0
    while [ "$(pg_sql "$1")" != "$2" ] && [ $n -lt 100 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    [ "$(pg_sql "$1")" = "$2" ]
}

"$TERN" engine --no-send 2>"$dir/engine.log" &
pid=$!
at_exit "kill $pid 2>/dev/null"

run_tern event signup.done --email ann@example.com
ok "the running engine takes a new event in and runs the journey" \
    wait_for "SELECT count(*) FROM tern.enrollments WHERE journey = 'first' AND status = 'exited'" 1

engine_journey second <<'LUA'
local j = journey "second" { entry = on "order.placed" }
function j.start(c) return c:exit "ran" end
return j
LUA
kill -HUP $pid
ok "the engine stays connected across SIGHUP" \
    wait_for "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tern engine'" 1
n=0
until grep -q "reloaded .*: journeys from" "$dir/engine.log" || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
run_tern event order.placed --email ann@example.com
ok "after SIGHUP a journey added to the tree runs" \
    wait_for "SELECT count(*) FROM tern.enrollments WHERE journey = 'second'" 1

printf 'this is not lua (\n' >"$dir/scripts/journeys/broken.lua"
kill -HUP $pid
n=0
until grep -q "reload refused" "$dir/engine.log" || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
like "$(cat "$dir/engine.log")" "reload refused, keeping the running configuration: scripts: .*broken.lua:1" "a broken tree is reported with file:line"
pg_sql "DELETE FROM tern.enrollments WHERE journey = 'first'" # so ann may enter again
run_tern event signup.done --email ann@example.com
ok "after a broken reload the running scripts keep serving" \
    wait_for "SELECT count(*) FROM tern.enrollments WHERE journey = 'first'" 1

# wait_log N TEXT: until the log has more than N lines matching TEXT (at most 5 s).
wait_log() {
    n=0
    until [ "$(grep -c "$2" "$dir/engine.log")" -gt "$1" ] || [ $n -ge 50 ]; do
        sleep 0.1
        n=$((n + 1))
    done
}

rm "$dir/scripts/journeys/broken.lua"
cp "$TERN_CONFIG" "$dir/good.conf"
printf 'scripts_dir = %s\n' "$dir/other" >>"$TERN_CONFIG"
refused=$(grep -c "reload refused" "$dir/engine.log")
kill -HUP $pid
wait_log "$refused" "reload refused"
like "$(grep "reload refused" "$dir/engine.log" | tail -n 1)" \
    "keeping the running configuration: .*tern.conf:[0-9]+: .*scripts_dir" \
    "a configuration error refuses the reload, naming file:line and the key"
pg_sql "DELETE FROM tern.enrollments WHERE journey = 'first'"
TERN_CONFIG="$dir/good.conf" run_tern event signup.done --email ann@example.com
ok "and the running journeys keep serving" \
    wait_for "SELECT count(*) FROM tern.enrollments WHERE journey = 'first'" 1

mkdir -p "$dir/other/journeys"
cat >"$dir/other/journeys/third.lua" <<'LUA'
local j = journey "third" { entry = on "signup.done" }
function j.start(c) return c:exit "ran" end
return j
LUA
sed "s|^scripts = .*|scripts = $dir/other|" "$dir/good.conf" >"$TERN_CONFIG"
reloaded=$(grep -c "reloaded .*: journeys from" "$dir/engine.log")
kill -HUP $pid
wait_log "$reloaded" "reloaded .*: journeys from"
like "$(tail -n 1 "$dir/engine.log")" "reloaded .*tern.conf: journeys from $dir/other" \
    "a reload reads tern.conf again and says where the journeys come from"
pg_sql "DELETE FROM tern.enrollments WHERE journey = 'first'"
run_tern event signup.done --email ann@example.com
ok "after it, the journeys of the new engine.scripts run" \
    wait_for "SELECT count(*) FROM tern.enrollments WHERE journey = 'third'" 1
is "$(pg_sql "SELECT count(*) FROM tern.enrollments WHERE journey = 'first'")" 0 \
    "and those of the old one no longer do"
ok "with one connection of the engine still" \
    wait_for "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tern engine'" 1

kill -TERM $pid
n=0
while kill -0 $pid 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
wait $pid
is "$?" 0 "SIGTERM stops the engine cleanly"

done_testing
