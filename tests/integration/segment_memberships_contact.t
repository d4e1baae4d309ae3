#!/bin/sh
# segment_memberships.contact_id: checked per statement instead of by a foreign
# key, with the key's guarantees: no membership without its contact, even
# when the contact is deleted while the membership commits; deleted with it.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
tern_test_db

contact() { pg_sql "INSERT INTO tern.contacts (email) VALUES ('$1@example.com') RETURNING id"; }
memberships() { pg_sql "SELECT count(*) FROM tern.segment_memberships WHERE contact_id = $1"; }
# in_background SQL...: one session running each statement in turn, in the background ($bg: its pid)
in_background() {
    printf '%s;\n' "$@" | "$PG_BINDIR/psql" -qAtX -v ON_ERROR_STOP=1 >/dev/null 2>&1 &
    bg=$!
}
# sleeping: wait until the background session sits in its pg_sleep (holding what it took)
sleeping() {
    n=0
    until [ "$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'
                         AND query LIKE 'SELECT pg_sleep%'")" = 1 ] || [ $n -ge 100 ]; do
        sleep 0.1
        n=$((n + 1))
    done
}

ann=$(contact ann) bob=$(contact bob)
is "$(pg_sql "SELECT count(*) FROM pg_constraint WHERE conrelid = 'tern.segment_memberships'::regclass
               AND contype = 'f'")" 0 "the memberships have no row-by-row foreign key"

pg_sql "INSERT INTO tern.segment_memberships (contact_id, segment) VALUES ($ann, 'a'), ($bob, 'a')"
is "$(pg_sql "SELECT count(*) FROM tern.segment_memberships WHERE segment = 'a'")" 2 \
    "memberships of existing contacts are inserted"

out=$(pg_sql "INSERT INTO tern.segment_memberships (contact_id, segment)
              VALUES ($ann, 'b'), ($bob + 1000, 'b')" 2>&1)
like "$out" "contact $((bob + 1000)) does not exist" "a statement naming a missing contact fails and names it"
is "$(pg_sql "SELECT count(*) FROM tern.segment_memberships WHERE segment = 'b'")" 0 \
    "and inserts none of its memberships"

out=$(pg_sql "UPDATE tern.segment_memberships SET contact_id = $bob + 1000 WHERE contact_id = $ann" 2>&1)
like "$out" "contact_id does not change" "a membership does not move to another contact"
pg_sql "UPDATE tern.segment_memberships SET left_at = now() WHERE contact_id = $ann"
is "$(pg_sql "SELECT count(*) FROM tern.segment_memberships WHERE left_at IS NOT NULL")" 1 \
    "a membership's left_at changes freely"
out=$(pg_sql "UPDATE tern.contacts SET id = DEFAULT WHERE id = $ann" 2>&1)
like "$out" "contact $ann still has segment memberships" "a member's contact id does not change"

pg_sql "DELETE FROM tern.contacts WHERE id = $ann"
is "$(memberships "$ann")|$(memberships "$bob")" "0|1" "deleting a contact deletes its memberships only"

# The membership's insert locks the contact first: the delete waits for it to commit, then takes it.
cy=$(contact cy)
in_background "BEGIN" "INSERT INTO tern.segment_memberships (contact_id, segment) VALUES ($cy, 'race')" \
    "SELECT pg_sleep(1.5)" "COMMIT"
sleeping
pg_sql "DELETE FROM tern.contacts WHERE id = $cy"
wait $bg
is "$?|$(memberships "$cy")" "0|0" \
    "a contact deleted while its membership's insert commits takes the membership with it"

# The delete locks the contact first: the insert waits for it to commit, then finds no contact.
dee=$(contact dee)
in_background "BEGIN" "DELETE FROM tern.contacts WHERE id = $dee" "SELECT pg_sleep(1.5)" "COMMIT"
sleeping
out=$(pg_sql "INSERT INTO tern.segment_memberships (contact_id, segment) VALUES ($dee, 'race')" 2>&1)
wait $bg
like "$out" "contact $dee does not exist" \
    "a membership inserted while its contact's delete commits is refused"
is "$(memberships "$dee")" 0 "and leaves no orphan"

done_testing
