#!/bin/sh
# engine_send.t - the outbox sender on its own: several submissions at once
# over reused connections, `tern engine --no-send` and `--send-only` split the
# work, and two senders at once deliver every message exactly once. A private
# Postfix without a milter relays to smtp-sink, so each delivered mail still
# carries its X-Tern-Message.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/lib/postfix.sh"
. "$TERN_SRCDIR/tests/integration/engine_fixture.sh"
pf_require
engine_setup
chmod 755 "$dir"
pf_start "$dir/pf" || bail_out "cannot start Postfix"
printf 'smtp = smtp://127.0.0.1:%s\nsend_connections = 3\n' "$PF_PORT" >>"$TERN_CONFIG"
cat >"$dir/templates/hello.tpl" <<'TPL'
subject: Hello {{contact.first_name}}
from: News <news@example.com>

--- text
Hello {{contact.first_name}}
TPL
engine_journey hello <<'LUA'
local j = journey "hello" { entry = on "signup.done" }
function j.start(c) c:send "hello" return c:exit "sent" end
return j
LUA

# contacts N PREFIX: N subscribed contacts PREFIX1@example.org ...
contacts() {
    pg_sql "INSERT INTO tern.contacts (email) SELECT '$2' || i || '@example.org'
              FROM generate_series(1, $1) i"
}
# ids: the X-Tern-Message of every delivered mail, one a line.
ids() { pf_sink_files | xargs cat | sed -n 's/^X-Tern-Message: *//p' | tr -d '\r'; }
outbox() { pg_sql "SELECT status, count(*) FROM tern.outbox GROUP BY 1 ORDER BY 1" | tr '\n' ' '; }

run_tern engine --once --no-send --send-only
is "$status" 2 "--no-send with --send-only is a usage error (nothing would run)"

contacts 20 a
pg_sql "INSERT INTO tern.events (id, contact_id, type, occurred_at)
        SELECT gen_random_uuid(), id, 'signup.done', now() FROM tern.contacts
         WHERE email LIKE 'a%@example.org'"
run_tern engine --once --no-send
is "$status $(outbox)" "0 pending|20 " "tern engine --no-send queues the journey's mail and sends none"

connects=$(pf_log | grep -c 'smtpd.*: connect from')
run_tern engine --once --send-only
is "$status $(outbox)" "0 sent|20 " "tern engine --send-only sends the queued mail without the journeys"
is "$(($(pf_log | grep -c 'smtpd.*: connect from') - connects))" 3 \
    "twenty mails go out over send_connections = 3 connections, each reused"
pf_wait_delivered 20 || bail_out "the mail was not delivered"
is "$(ids | sort -u | wc -l | tr -d ' ')" 20 "every queued mail is delivered"

contacts 1 c
pg_sql "INSERT INTO tern.outbox (contact_id, id, template)
        SELECT id, gen_random_uuid(), 'hello' FROM tern.contacts WHERE email = 'c1@example.org'"
run_tern engine --once --send-only
is "$(pg_sql "SELECT o.status FROM tern.outbox o JOIN tern.contacts c ON c.id = o.contact_id
               WHERE c.email = 'c1@example.org'")" sent "a mail queued a moment ago goes out at once"

# A retry whose message Postfix took after all (the milter recorded it) is not sent again.
contacts 1 d
pg_sql "INSERT INTO tern.outbox (contact_id, id, template, status, attempts, next_attempt_at, last_error)
        SELECT id, 'b0a3c3f2-6a52-4c1e-9d7e-3f4a5b6c7d8e', 'hello', 'retry', 1,
               now() - interval '1 minute', 'timed out after DATA' FROM tern.contacts
         WHERE email = 'd1@example.org';
        INSERT INTO tern.messages (id, contact_id, recipient)
        SELECT 'b0a3c3f2-6a52-4c1e-9d7e-3f4a5b6c7d8e', id, email FROM tern.contacts
         WHERE email = 'd1@example.org'"
run_tern engine --once --send-only
is "$(pg_sql "SELECT status || ' ' || attempts || ' ' || coalesce(last_error, '-') FROM tern.outbox
               WHERE id = 'b0a3c3f2-6a52-4c1e-9d7e-3f4a5b6c7d8e'")" "sent 1 -" \
    "a retry the milter recorded is settled as sent, no attempt spent"
is "$(pg_sql "SELECT count(*) FROM tern.outbox WHERE status = 'sent'")" 22 "the other mail is untouched"
is "$(ids | grep -c b0a3c3f2-6a52-4c1e-9d7e-3f4a5b6c7d8e)" 0 "and it is not submitted again"

# Two senders at once on 300 rows queued by SQL.
contacts 300 b
pg_sql "INSERT INTO tern.outbox (contact_id, id, template, category)
        SELECT id, gen_random_uuid(), 'hello', 'marketing' FROM tern.contacts
         WHERE email LIKE 'b%@example.org'"
"$TERN" engine --send-only 2>"$dir/sender1.log" &
s1=$!
at_exit "kill $s1 2>/dev/null"
"$TERN" engine --send-only 2>"$dir/sender2.log" &
s2=$!
at_exit "kill $s2 2>/dev/null"
n=0
while [ "$(outbox)" != "sent|322 " ] && [ $n -lt 600 ]; do
    sleep 0.1
    n=$((n + 1))
done
kill -TERM $s1 $s2
wait $s1
r1=$?
wait $s2
is "$r1 $? $(outbox)" "0 0 sent|322 " "two senders at once send all 300 rows and stop cleanly" ||
    diag "$(cat "$dir/sender1.log" "$dir/sender2.log")"
is "$(pg_sql "SELECT count(*) FROM tern.outbox WHERE attempts <> 1")" 0 \
    "each row is submitted once"
pf_wait_delivered 321 60 || diag "not everything arrived"
is "$(ids | wc -l | tr -d ' ') $(ids | sort -u | wc -l | tr -d ' ')" "321 321" \
    "every message is delivered exactly once"

# A pass that runs out of time hands back, untried, the mail it has not started: Postfix
# pauses a second before each DATA, one connection, a pass of two seconds.
pf_postconf "smtpd_data_restrictions=sleep 1"
sed -i 's/^send_connections = .*/send_connections = 1/' "$TERN_CONFIG"
printf 'send_pass = 2s\n' >>"$TERN_CONFIG"
contacts 6 e
pg_sql "INSERT INTO tern.outbox (contact_id, id, template, category)
        SELECT id, gen_random_uuid(), 'hello', 'marketing' FROM tern.contacts
         WHERE email LIKE 'e%@example.org'"
run_tern engine --once --send-only
like "$err" "the pass ran out of time \(engine.send_pass 2 s\): [1-5] mails* went back due, untried" \
    "a pass stops submitting at engine.send_pass and says how many mails it handed back"
is "$status $(pg_sql "SELECT string_agg(DISTINCT o.status || ' ' || o.attempts, ',') FROM tern.outbox o
                       JOIN tern.contacts c ON c.id = o.contact_id WHERE c.email LIKE 'e%'")" \
    "0 sent 1" "the next passes send them, each counted as one attempt"
pf_wait_delivered 327 60 || diag "not everything arrived"
is "$(ids | wc -l | tr -d ' ') $(ids | sort -u | wc -l | tr -d ' ')" "327 327" \
    "and each is delivered once"

# A sender's SIGHUP reads tern.conf again: engine.smtp fixed, the waiting mail goes out.
pf_postconf "smtpd_data_restrictions="
sed -i "s|^smtp = .*|smtp = smtp://127.0.0.1:1|" "$TERN_CONFIG"
contacts 1 f
pg_sql "INSERT INTO tern.outbox (contact_id, id, template)
        SELECT id, gen_random_uuid(), 'hello' FROM tern.contacts WHERE email = 'f1@example.org'"
f1() {
    pg_sql "SELECT o.status FROM tern.outbox o JOIN tern.contacts c ON c.id = o.contact_id
             WHERE c.email = 'f1@example.org'"
}
"$TERN" engine --send-only 2>"$dir/sender3.log" &
s3=$!
at_exit "kill $s3 2>/dev/null"
n=0
while [ "$(f1)" != retry ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
is "$(f1)" retry "a mail the configured smtp refuses waits for a retry"
sed -i "s|^smtp = .*|smtp = smtp://127.0.0.1:$PF_PORT|" "$TERN_CONFIG"
kill -HUP $s3
n=0
until grep -q "reloaded" "$dir/sender3.log" || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
pg_sql "UPDATE tern.outbox SET next_attempt_at = now() WHERE status = 'retry'" >/dev/null
n=0
while [ "$(f1)" != sent ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
is "$(f1)" sent "after SIGHUP the sender submits to the new engine.smtp, with no restart" ||
    diag "$(cat "$dir/sender3.log")"
kill -TERM $s3
wait $s3
is "$?" 0 "and stops cleanly"

done_testing
