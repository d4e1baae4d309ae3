#!/bin/sh
# milter_recipients.t - a managed message with several recipients: anonymous
# tracking by default, or with milter.multi_recipient = split every RCPT
# after the first deferred with 452 4.5.3.
. "$TERN_SRCDIR/tests/lib/milter.sh"
milter_require
milter_setup
milter_start
PF_NON_SMTPD_MILTERS=inet:127.0.0.1:$MILTER_PORT milter_postfix

cat >"$dir/two.eml" <<'EOF'
From: news@example.com
To: zoe@example.org, max@example.org
Subject: Hi {{contact.first_name}}
Content-Type: text/html; charset=utf-8

<p>Hi {{contact.first_name}}!</p><a href="https://shop.example/sale">sale</a>
EOF
pf_send --from news@example.com --to zoe@example.org,max@example.org --data @"$dir/two.eml" >/dev/null
pf_wait_delivered 1 || bail_out "not delivered"
got=$(last_delivered)
like "$(parts "$got" text)" "<p>Hi !</p>" "several recipients: no contact fields are merged"
link=$(parts "$got" links https://t.example.com | head -n 1)
run_tern token inspect "$link"
like "$out" "contact +0" "several recipients: the click token is anonymous"
like "$out" "url +https://shop.example/sale" "several recipients: the link still decodes to its URL"
is "$(parts "$got" header List-Unsubscribe)" "" "several recipients: no List-Unsubscribe"

# split mode: the client must resubmit the second recipient on its own.
sed -i 's/^\[milter\]$/[milter]\nmulti_recipient = split/' "$TERN_CONFIG"
milter_reload || bail_out "reload failed: $(tail -n 5 "$dir/milter.log")"
swaks=$(swaks --server 127.0.0.1 --port "$PF_PORT" --from news@example.com \
    --to zoe@example.org,max@example.org --data @"$dir/two.eml" 2>&1)
like "$swaks" "<\\*\\* 452 4.5.3" "split mode: the second RCPT is deferred with 452 4.5.3"
pf_wait_delivered 2 || bail_out "split message not delivered"
got=$(last_delivered)
like "$(parts "$got" header X-Rcpt-Args)" "zoe@example.org" "split mode: the first recipient is accepted"
like "$(parts "$got" text)" "<p>Hi Zoë!</p>" "split mode: the single recipient's message is personalized"

# split mode, one X-Tern-Message: the client resubmits the deferred recipient with
# the same id, and each copy is recorded as its own message.
id=0190f3a2-7c41-7b5e-9d2a-5f1e0c3b8a47
{ printf 'X-Tern-Message: %s\n' "$id"; cat "$dir/two.eml"; } >"$dir/split.eml"
swaks --server 127.0.0.1 --port "$PF_PORT" --from news@example.com \
    --to zoe@example.org,max@example.org --data @"$dir/split.eml" >/dev/null 2>&1
swaks --server 127.0.0.1 --port "$PF_PORT" --from news@example.com \
    --to max@example.org --data @"$dir/split.eml" >/dev/null 2>&1
pf_wait_delivered 4 || bail_out "the resubmitted copies were not delivered"
n=0
until [ "$(pg_sql "SELECT count(*) FROM events WHERE type = 'email.sent' AND message_id = '$id'")" = 2 ] ||
    [ $n -ge 100 ]; do
    sleep 0.2
    n=$((n + 1))
done
is "$(pg_sql "SELECT string_agg(recipient || ' ' || (contact_id IS NOT NULL), ',' ORDER BY recipient)
                FROM messages WHERE id = '$id'")" "max@example.org false,zoe@example.org true" \
    "split mode: both copies of one X-Tern-Message are recorded, each with its recipient"
is "$(pg_sql "SELECT count(*) FROM events WHERE type = 'email.sent' AND message_id = '$id'")" 2 \
    "split mode: each copy has its email.sent event"

# split mode, non-SMTP: sendmail(1) cannot resubmit, so nothing is deferred.
sendmail -C "$PF_DIR" -f news@example.com zoe@example.org max@example.org <"$dir/two.eml"
pf_wait_delivered 5 || bail_out "the sendmail(1) message was not delivered: $(tail -n 5 "$PF_RUN/maillog")"
got=$(last_delivered)
like "$(parts "$got" header X-Rcpt-Args)" "max@example.org" \
    "split mode: a message from sendmail(1) goes to all its recipients at once"
like "$(parts "$got" text)" "<p>Hi !</p>" "with anonymous tracking"

done_testing
