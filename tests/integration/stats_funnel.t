#!/bin/sh
# stats_funnel.t - `tern stats` over what the engine itself wrote: a step counts as
# run only when it ran, not when an enrollment waiting for it ended on a goal or an
# exit event; conversions and exits are counted at the step they happened.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/engine_fixture.sh"
engine_setup
engine_journey welcome <<'LUA'
local j = journey "welcome" { entry = on "signup.done", goal = on "order.placed",
                              exit = on "account.closed" }
function j.start(c) return c:wait("1d", "tips") end
function j.tips(c) return c:exit "done" end
return j
LUA
for who in bob cy; do pg_sql "INSERT INTO tern.contacts (email) VALUES ('$who@example.com')" >/dev/null; done
for who in ann bob cy; do "$TERN" event signup.done --email $who@example.com >/dev/null; done
engine_once
"$TERN" event order.placed --email ann@example.com >/dev/null # converts while waiting for tips
"$TERN" event account.closed --email bob@example.com >/dev/null # exits while waiting for tips
engine_once
engine_due welcome
engine_once # cy's tips runs and exits

run_tern stats --journey welcome
is "$status" 0 "stats reads what the engine wrote"
like "$out" "journey welcome: 3 entered, 1 converted \\(33.3%\\), 2 exited, 3 ended" \
    "entered, converted and exited contacts"
like "$(printf '%s\n' "$out" | grep '^  start ')" "^  start +3 +0 +0 " "start ran for all three"
like "$(printf '%s\n' "$out" | grep '^  tips ')" "^  tips +1 +1 +2 " \
    "tips ran once; one contact converted and two exited there, one of them by an event"

# The same rows as a tern before migration 0022 wrote them: tern migrate tells the
# steps that never ran from what those rows say.
before=$out
pg_sql "ALTER TABLE tern.enrollment_steps DROP COLUMN ran;
        DELETE FROM tern.schema_migrations WHERE version = 22" >/dev/null
run_tern migrate
like "$out" "schema upgraded from version 21 to 22" "migration 0022 applies to an older database"
run_tern stats --journey welcome
is "$out" "$before" "and the older rows count as what the engine writes now"

done_testing
