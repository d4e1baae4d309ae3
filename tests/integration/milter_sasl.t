#!/bin/sh
# milter_sasl.t - SASL-authenticated submitters through a real Postfix: a
# login makes a client outside milter.trusted_networks trusted, and a login
# listed in milter.sasl_tenants sends for its own tenant whatever
# X-Tern-Tenant says. Postfix authenticates through tests/lib/saslauth.py
# (the Dovecot authentication protocol, smtpd_sasl_type = dovecot).
. "$TERN_SRCDIR/tests/lib/milter.sh"
milter_require
# Postfix's smtpd sees the test's client as 127.0.0.1: trusting only another
# network leaves SASL as the only way to be trusted.
milter_setup "trusted_networks = 192.0.2.0/24
sasl_tenants = shop-nl:nl"
pg_sql "INSERT INTO tern.tenants (id) VALUES ('nl')" >/dev/null
printf 'email,first_name,tenant\nzoe@example.org,Zoë van Dijk,nl\n' >"$dir/nl.csv"
"$TERN" contacts import "$dir/nl.csv" >/dev/null || bail_out "import of the nl contact failed"

SASL_PORT=$(pf_free_port)
/usr/bin/python3 "$TERN_SRCDIR/tests/lib/saslauth.py" "$SASL_PORT" "shop-nl:secret,central:secret" \
    >"$dir/saslauth.log" 2>&1 &
sasl_pid=$!
at_exit "kill $sasl_pid 2>/dev/null"
n=0
until pf_listening "$SASL_PORT"; do
    [ $n -lt 50 ] || bail_out "the SASL service does not listen: $(cat "$dir/saslauth.log")"
    sleep 0.1
    n=$((n + 1))
done
milter_start
PF_EXTRA_MAIN_CF="smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:$SASL_PORT" milter_postfix

# send_as LOGIN [HEADER]: a managed message as LOGIN (none: no AUTH); the capture's file name.
send_as() {
    printf '%sFrom: news@example.com\nTo: zoe@example.org\nSubject: Hi {{contact.first_name}}\n' \
        "${2:+$2
}" >"$dir/msg.eml"
    printf 'X-Tern-Journey: welcome\n\nHello {{contact.first_name}}\n' >>"$dir/msg.eml"
    before=$(pf_sink_files | grep -c .)
    if [ -n "$1" ]; then
        pf_send --from other@example.com --to zoe@example.org --auth PLAIN --auth-user "$1" \
            --auth-password secret --data @"$dir/msg.eml" >/dev/null || bail_out "AUTH as $1 failed"
    else
        pf_send --from other@example.com --to zoe@example.org --data @"$dir/msg.eml" >/dev/null
    fi
    pf_wait_delivered $((before + 1)) || bail_out "not delivered"
    last_delivered
}

got=$(send_as "")
is "$(parts "$got" subject)" "Hi {{contact.first_name}}" \
    "without a login, a client outside trusted_networks is not managed"

got=$(send_as central)
is "$(parts "$got" subject)" "Hi Zoë" \
    "a SASL login makes the client trusted: the default tenant's contact is merged"

got=$(send_as central "X-Tern-Tenant: nl")
is "$(parts "$got" subject)" "Hi Zoë van Dijk" \
    "a login not in sasl_tenants sends for the tenant X-Tern-Tenant names"

got=$(send_as shop-nl)
is "$(parts "$got" subject)" "Hi Zoë van Dijk" "a mapped login's mail merges its own tenant's contact"

got=$(send_as shop-nl "X-Tern-Tenant: default")
is "$(parts "$got" subject)" "Hi Zoë van Dijk" \
    "a mapped login cannot send for another tenant through X-Tern-Tenant"
like "$(cat "$dir/milter.log")" "X-Tern-Tenant default ignored: login shop-nl sends for tenant nl" \
    "the ignored header is logged"

done_testing
