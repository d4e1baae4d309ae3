#!/bin/sh
# milter_trust.t - control headers from a submitter outside
# milter.trusted_networks are stripped and ignored; its mail is not managed.
. "$TERN_SRCDIR/tests/lib/milter.sh"
milter_require
# Postfix's own smtpd sees the test's client as 127.0.0.1: trusting only
# another network makes that client untrusted.
milter_setup "trusted_networks = 192.0.2.0/24"
milter_start
milter_postfix

cat >"$dir/forged.eml" <<'EOF'
From: news@example.com
To: zoe@example.org
Subject: forged {{contact.first_name}}
X-Tern-Journey: welcome
X-Tern-Data: {"coupon": "FREE"}
X-Tern-Track: none

Hello {{contact.first_name}} https://shop.example/x {{data.coupon}}
EOF
pf_send --from news@example.com --to zoe@example.org --data @"$dir/forged.eml" >/dev/null
pf_wait_delivered 1 || bail_out "not delivered"
got=$(last_delivered)

is "$(parts "$got" header X-Tern-Journey)$(parts "$got" header X-Tern-Data)$(parts "$got" header X-Tern-Track)" \
    "" "control headers from an untrusted submitter are removed"
is "$(parts "$got" subject)" "forged {{contact.first_name}}" "its subject is not rendered"
is "$(parts "$got" text)" "Hello {{contact.first_name}} https://shop.example/x {{data.coupon}}" \
    "its body is neither rendered nor tracked"
is "$(parts "$got" header List-Unsubscribe)" "" "it gets no List-Unsubscribe"
sleep 0.5
is "$(pg_sql "SELECT count(*) FROM messages")" 0 "nothing is recorded for it"

done_testing
