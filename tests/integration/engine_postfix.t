#!/bin/sh
# engine_postfix.t - a journey's mail through a private Postfix with tern milter:
# the engine submits the unrendered template with the control headers, the
# milter renders and tracks it, the recipient gets it personalized.
. "$TERN_SRCDIR/tests/lib/milter.sh"
milter_require
milter_setup
milter_start
# Postfix refuses one recipient for good and one for now.
PF_EXTRA_MAIN_CF='smtpd_recipient_restrictions = check_recipient_access inline:{ { bounce@example.org = REJECT no such user }, { later@example.org = 450 4.2.0 try later } }, permit_mynetworks, reject'
milter_postfix
mkdir -p "$dir/scripts/journeys" "$dir/templates"
# One connection, so the order of the three submissions below is known.
printf 'templates = %s/templates\nsmtp = smtp://127.0.0.1:%s\nsend_connections = 1\n' "$dir" \
    "$PF_PORT" >>"$TERN_CONFIG"

cat >"$dir/scripts/journeys/hello.lua" <<'LUA'
local j = journey "hello" { entry = on "signup.done" }
function j.start(c)
  c:send("hello", { data = { coupon = "ZOE10" } })
  return c:exit "sent"
end
return j
LUA
cat >"$dir/templates/hello.tpl" <<'TPL'
subject: Hello {{contact.first_name}}
from: News <news@example.com>
preheader: For you, {{contact.first_name}} & friends

--- html
<p>Hi {{contact.first_name}}, use {{data.coupon}}: <a href="https://shop.example/a">shop</a></p>
--- text
Hi {{contact.first_name}}, use {{data.coupon}}
TPL

pg_sql "INSERT INTO tern.contacts (email) VALUES ('bounce@example.org'), ('later@example.org')"
pg_sql "INSERT INTO tern.contacts (email, status) VALUES ('left@example.org', 'unsubscribed'),
        ('quiet@example.org', 'subscribed')"
pg_sql "INSERT INTO tern.suppressions (email, reason) VALUES ('quiet@example.org', 'manual')"
for who in zoe bounce later left quiet; do run_tern event signup.done --email $who@example.org; done
connects=$(pf_log | grep -c 'smtpd.*: connect from')
run_tern engine --once
is "$status" 0 "tern engine --once runs the journey and sends" || diag "$err"
is "$(pg_sql "SELECT string_agg(c.email || ' ' || o.last_error, ', ' ORDER BY c.email) FROM outbox o
               JOIN contacts c ON c.id = o.contact_id WHERE o.status = 'skipped'")" \
    "left@example.org the contact is not subscribed, quiet@example.org the address is suppressed" \
    "marketing mail to an unsubscribed or suppressed address is skipped"
# libcurl keeps the connection after a delivered mail and drops it after a refused one:
# zoe's mail and bounce's refusal share one connection, later's refusal gets the second.
is "$(($(pf_log | grep -c 'smtpd.*: connect from') - connects))" 2 \
    "the sender reuses its connection after a delivered mail"
pf_wait_delivered 1 || bail_out "journey mail not delivered: $(pg_sql "SELECT status, last_error FROM outbox")"
got=$(last_delivered)

is "$(pg_sql "SELECT o.status FROM outbox o JOIN contacts c ON c.id = o.contact_id
               WHERE c.email = 'zoe@example.org'")" "sent" "the outbox row is marked sent"
like "$(pg_sql "SELECT o.status || ' ' || o.last_error FROM outbox o JOIN contacts c
                 ON c.id = o.contact_id WHERE c.email = 'bounce@example.org'")" \
    "^parked smtp 55[0-9]" "a 5xx reply parks the mail with the reply"
is "$(pg_sql "SELECT o.status || ' ' || o.attempts || ' ' || (o.next_attempt_at > now() + interval '50 seconds')
               FROM outbox o JOIN contacts c ON c.id = o.contact_id WHERE c.email = 'later@example.org'")" \
    "retry 1 true" "a 4xx reply retries the mail after a back-off"
is "$(parts "$got" subject)" "Hello Zoë" "the journey mail's subject is rendered by the milter"
like "$(parts "$got" text)" "Hi Zoë, use ZOE10" "the send's data and the contact fill the template"
like "$(parts "$got" text)" 'href="https://t.example.com/c/' "the journey mail's link is tracked"
like "$(parts "$got" text)" '^<div style="display:none;[^"]*">For you, Zoë &amp; friends</div><p>Hi Zoë' \
    "the template's preheader, rendered, is the hidden first element of the HTML part"
is "$(parts "$got" header X-Tern-Message)$(parts "$got" header X-Tern-Data)" "" \
    "the control headers are removed before delivery"

n=0
while [ "$(pg_sql "SELECT count(*) FROM messages")" != 1 ] && [ $n -lt 100 ]; do
    sleep 0.1
    n=$((n + 1))
done
is "$(pg_sql "SELECT concat_ws(' ', m.journey, m.step, m.template) FROM messages m
               JOIN outbox o ON o.id = m.id")" \
    "hello start hello" "the milter records the message under the outbox id with its journey"

run_tern engine --once
is "$(pf_sink_files | wc -l | tr -d ' ')" 1 "a second run sends nothing again"

done_testing
