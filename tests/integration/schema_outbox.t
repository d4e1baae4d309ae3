#!/bin/sh
# An outbox row's link to its contact (sql 0019): deleting a contact deletes
# its mail, queued or sent, so none is left due that the sender can never
# send; mail for a missing contact is refused; neither id moves.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"

tern_test_db

# Two contacts, each with a queued mail and a sent one.
pg_sql "INSERT INTO tern.contacts (email) VALUES ('a@example.com'), ('b@example.com');
        INSERT INTO tern.outbox (contact_id, id, template, status, sent_at)
            SELECT c.id, gen_random_uuid(), 'news', s.status, s.sent_at FROM tern.contacts c,
                   (VALUES ('pending', NULL), ('sent', now())) s (status, sent_at)" \
    >/dev/null || bail_out "cannot write the fixture rows"
mail() { pg_sql "SELECT count(*) FROM tern.outbox $1"; }
a=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'a@example.com'")
b=$(pg_sql "SELECT id FROM tern.contacts WHERE email = 'b@example.com'")

is "$(mail)" 4 "mail of existing contacts is accepted"

out=$(pg_sql "INSERT INTO tern.outbox (contact_id, id, template)
              VALUES ($a, gen_random_uuid(), 'news'), (999999, gen_random_uuid(), 'news')" 2>&1)
like "$out" "contact 999999 does not exist" "mail for a missing contact is refused"
is "$(mail)" 4 "nothing of the refused statement is kept"

out=$(pg_sql "UPDATE tern.outbox SET contact_id = $b WHERE contact_id = $a" 2>&1)
like "$out" "outbox: a row's contact_id does not change" "a mail keeps its contact"
out=$(pg_sql "UPDATE tern.contacts SET id = DEFAULT WHERE id = $a" 2>&1)
like "$out" "contact $a still has mail in the outbox" "the id of a contact with mail does not change"

pg_sql "DELETE FROM tern.contacts WHERE id = $a" >/dev/null
is "$(mail "WHERE contact_id = $a")" 0 "deleting a contact deletes its mail, queued and sent"
is "$(mail "WHERE contact_id = $b")" 2 "the other contact's mail is kept"

done_testing
