#!/bin/sh
# stats.t - `tern stats`: the funnel per journey and step, human and machine
# opens and clicks counted per message, from rows as the engine, the milter
# and the tracker write them.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
tern_test_db

run_tern stats
is "$out" "no journeys have run yet" "an empty database says so"

printf 'email\na@example.org\nb@example.org\nc@example.org\n' >"$dir/c.csv"
"$TERN" contacts import "$dir/c.csv" >/dev/null || bail_out "import failed"
pg_sql "
INSERT INTO enrollments (contact_id, journey, step, status, converted_at)
    SELECT id, 'welcome', 'tips', CASE WHEN email LIKE 'a%' THEN 'completed' ELSE 'waiting' END,
           CASE WHEN email LIKE 'a%' THEN now() END FROM contacts;
INSERT INTO enrollment_steps (contact_id, enrollment_id, seq, journey, step, outcome)
    SELECT contact_id, id, 1, journey, 'start', 'wait' FROM enrollments;
INSERT INTO enrollment_steps (contact_id, enrollment_id, seq, journey, step, outcome)
    SELECT contact_id, id, 2, journey, 'tips', CASE WHEN contact_id = (SELECT min(id) FROM contacts)
        THEN 'error' ELSE 'capped' END FROM enrollments;
INSERT INTO enrollment_steps (contact_id, enrollment_id, seq, journey, step, outcome)
    SELECT contact_id, id, 3, journey, 'tips', 'deferred' FROM enrollments
     WHERE contact_id = (SELECT max(id) FROM contacts);
INSERT INTO outbox (contact_id, id, journey, step, template, status, last_error)
    SELECT id, gen_random_uuid(), 'welcome', 'tips', 'tips-1', 'capped', 'over the marketing cap 1/1d'
      FROM contacts WHERE email LIKE 'b%';
INSERT INTO messages (id, contact_id, recipient, journey, step)
    SELECT ('00000000-0000-7000-8000-00000000000' || id)::uuid, id, email, 'welcome', 'start'
      FROM contacts;
-- message of contact 1: opened by a human twice and by a proxy; clicked by a scanner only.
-- message of contact 2: opened by apple-mpp only; clicked by a human.
INSERT INTO events (id, contact_id, type, occurred_at, message_id, bot_class)
    SELECT gen_random_uuid(), c, t, now(), ('00000000-0000-7000-8000-00000000000' || c)::uuid, b
      FROM (VALUES (1, 'email.open', 'human'), (1, 'email.open', 'human'),
                   (1, 'email.open', 'image-proxy'), (1, 'email.click', 'scanner'),
                   (2, 'email.open', 'apple-mpp'), (2, 'email.click', 'human')) v (n, t, b),
           LATERAL (SELECT id AS c FROM contacts ORDER BY id OFFSET v.n - 1 LIMIT 1) x;
" >/dev/null || bail_out "cannot write the fixture rows"

run_tern stats
is "$status" 0 "stats exits 0"
like "$out" "journey welcome: 3 entered, 1 converted \\(33.3%\\), 0 exited, 1 ended" \
    "a journey's line counts entered, converted, exited and ended contacts"
start=$(printf '%s\n' "$out" | grep '^  start ')
like "$start" "^  start +3 +0 +0 +3 +1/1 +1/1 +0/0 +0 +0$" \
    "the start step ran 3 times and sent 3 messages: opens and clicks per message, human/machine"
tips=$(printf '%s\n' "$out" | grep '^  tips ')
like "$tips" "^  tips +0 +0 +0 +0 +0/0 +0/0 +2/1 +1 +1$" \
    "the tips step was put off by caps twice, lost a mail to a cap once, waited for its window once and failed once"

run_tern stats --json
py() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
is "$(printf '%s' "$out" | py "d[0]['steps'][0]['opened_human'], d[0]['steps'][0]['clicked_human']")" \
    "1 1" "--json carries the same counts"
is "$(printf '%s' "$out" | py "sorted(d[0]['steps'][0].keys())")" \
    "['capped_deferred', 'capped_skipped', 'clicked_human', 'clicked_machine', 'converted', 'errors', 'exited', 'opened_human', 'opened_machine', 'ran', 'sent', 'step', 'window_deferred']" \
    "--json names every counter"
is "$(printf '%s' "$out" | py "[(s['capped_deferred'], s['capped_skipped'], s['window_deferred']) for s in d[0]['steps'] if s['step'] == 'tips']")" \
    "[(2, 1, 1)]" "--json counts cap deferrals, mails a cap dropped and window deferrals apart"

# One X-Tern-Message resubmitted to each of two recipients (multi_recipient = split):
# two messages rows with one id, and an open counts for its own recipient's copy only.
pg_sql "
INSERT INTO messages (id, contact_id, recipient, journey, step)
    SELECT '00000000-0000-7000-8000-0000000000ff', id, email, 'offers', 'sale'
      FROM contacts WHERE email < 'c';
INSERT INTO events (id, contact_id, type, occurred_at, message_id, bot_class)
    SELECT gen_random_uuid(), id, 'email.open', now(), '00000000-0000-7000-8000-0000000000ff', 'human'
      FROM contacts WHERE email LIKE 'a%';
" >/dev/null || bail_out "cannot write the split message's rows"
run_tern stats --journey offers
like "$(printf '%s\n' "$out" | grep '^  sale ')" "^  sale +0 +0 +0 +2 +1/0 +0/0 +0/0 +0 +0$" \
    "two recipients of one message id are two messages sent, and one's open is not the other's"

run_tern stats --journey nurture
is "$out" "no enrollments or messages for journey nurture" "--journey limits the report to one journey"
run_tern stats --journey
is "$status" 2 "--journey without a name is a usage error"

done_testing
