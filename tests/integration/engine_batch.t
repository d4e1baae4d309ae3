#!/bin/sh
# engine_batch.t - a batch is read and written set-based, yet each enrollment
# keeps its own outcome: an SQL failure of one enrollment parks that one with
# the error while the others of its batch commit, and within one intake
# batch an exit frees the journey for a later entry of the same contact.
# The batch's one UPDATE of contacts removes what c:set(attr, nil) removed.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/engine_fixture.sh"
engine_setup

# Five contacts in one batch; the change of bad@ breaks a constraint, so the
# batch's one UPDATE of contacts fails.
engine_journey mark <<'LUA'
local j = journey "mark" { entry = on "c.mark" }
function j.start(c)
  c:set("stage", c.contact.email == "bad@example.com" and "broken" or "ok")
  c:score(1)
  return c:go "last"
end
function j.last(c) return c:exit "marked" end
return j
LUA
pg_sql "INSERT INTO tern.contacts (email) VALUES ('bob@example.com'), ('bad@example.com'),
        ('cy@example.com'), ('di@example.com')"
pg_sql "ALTER TABLE tern.contacts ADD CONSTRAINT not_broken
        CHECK (attributes->>'stage' IS DISTINCT FROM 'broken')"
pg_sql "INSERT INTO tern.events (id, contact_id, type, occurred_at)
        SELECT gen_random_uuid(), id, 'c.mark', now() FROM tern.contacts"
engine_once
bad=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'bad@example.com'")
is "$(pg_sql "SELECT count(*) FROM tern.enrollments WHERE status = 'exited'
                AND end_reason = 'marked'")" 4 \
    "the other enrollments of the failed batch ran to their end"
like "$(pg_sql "SELECT status || ' ' || attempts || ' ' || step || ' ' || last_error
                  FROM tern.enrollments WHERE contact_id = $bad")" \
    '^parked 1 start .*violates check constraint "not_broken"' \
    "the enrollment whose SQL failed is parked at its step with the error"
is "$(pg_sql "SELECT count(*) FROM tern.enrollment_steps WHERE contact_id = $bad")" 0 \
    "nothing of the parked enrollment's steps was written"
is "$(pg_sql "SELECT count(*) FROM tern.contacts WHERE attributes->>'stage' = 'ok'
                AND attributes->>'score' = '1'")" 4 \
    "the other contacts' attribute and score were written once"
is "$(pg_sql "SELECT count(*) FROM tern.enrollment_steps WHERE journey = 'mark'")" 8 \
    "two step runs logged per committed enrollment"
like "$err" "one by one" "the engine says the batch ran again one enrollment at a time"
like "$err" "taking it in again without running its entries" \
    "the failed intake batch was taken in again with its entries left due for the claim"

# A batch run again one by one says each parked step once, not once per try.
engine_journey slip <<'LUA'
local j = journey "slip" { entry = on "c.slip" }
function j.start(c) return c:wait("1d", "later") end
function j.later(c)
  if c.contact.email == "cy@example.com" then error("cy slipped") end
  c:set("stage", c.contact.email == "bad@example.com" and "broken" or "ok")
  return c:exit "done"
end
return j
LUA
pg_sql "INSERT INTO tern.events (id, contact_id, type, occurred_at)
        SELECT gen_random_uuid(), id, 'c.slip', now() FROM tern.contacts
         WHERE email IN ('bad@example.com', 'cy@example.com', 'di@example.com')"
engine_once
engine_due slip # all three in the claim's next batch
engine_once
like "$err" "one by one" "the slip batch failed and ran again one enrollment at a time"
is "$(printf '%s\n' "$err" | grep -c 'journey slip step later parked (try 1): .*cy slipped')" 1 \
    "the script error's parked step is logged once"
is "$(printf '%s\n' "$err" | grep -c 'journey slip step later parked (try 1): .*not_broken')" 1 \
    "the SQL failure's parked step is logged once"

# An exit, then an entry, of one contact in one intake batch.
engine_journey again <<'LUA'
local j = journey "again" { entry = on "c.in", exit = on "c.out", reentry = "always" }
function j.start(c) return c:wait("1d", "start") end
return j
LUA
run_tern event c.in --email ann@example.com
engine_once
run_tern event c.out --email ann@example.com
run_tern event c.in --email ann@example.com
engine_once
is "$(pg_sql "SELECT string_agg(status || ' ' || coalesce(end_reason, '-'), ', ' ORDER BY id)
                FROM tern.enrollments WHERE journey = 'again'")" "exited on c.out, waiting -" \
    "an exit earlier in the intake batch lets a later event enter the contact again"

# c:set(attr, nil) goes out with the batch's contact changes as a removal.
engine_journey forget <<'LUA'
local j = journey "forget" { entry = on "c.forget" }
function j.start(c)
  c:set("first_name", nil)
  c:set("tier", "gold")
  return c:exit "forgotten"
end
return j
LUA
run_tern event c.forget --email ann@example.com
engine_once
is "$(pg_sql "SELECT coalesce(attributes->>'first_name', '-') || ' ' || (attributes->>'tier')
                FROM tern.contacts WHERE id = $ann")" "- gold" \
    "an attribute set to nil is removed, the others of the step are set"

# An entry's first steps run in the intake's transaction: the enrollment is
# inserted as they left it (exited here), never inserted due and updated.
upd() { pg_sql "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relid = 'tern.enrollments'::regclass"; }
before=$(upd)
run_tern event c.forget --email cy@example.com
engine_once
is "$(pg_sql "SELECT count(*) FROM tern.enrollments e JOIN tern.contacts c ON c.id = e.contact_id
                WHERE e.journey = 'forget' AND e.status = 'exited' AND c.email = 'cy@example.com'")" 1 \
    "an entry's steps ran to its exit within one engine round"
is "$(upd)" "$before" "the entered enrollment was written once, as its steps left it"

done_testing
