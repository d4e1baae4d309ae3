#!/bin/sh
# milter_outage.t - PostgreSQL stopped while mail flows: every message is
# still delivered, and once PostgreSQL is back each one is recorded exactly
# once (the spool replays; records are keyed by message id).
. "$TERN_SRCDIR/tests/lib/milter.sh"
milter_require
milter_setup
milter_start
milter_postfix

# send N FIRST: N managed messages numbered from FIRST.
send() {
    i=$2
    while [ "$i" -lt $(($2 + $1)) ]; do
        printf 'From: news@example.com\nTo: zoe@example.org\nSubject: n%d\n\nHi {{contact.first_name}} https://shop.example/%d\n' \
            "$i" "$i" >"$dir/m.eml"
        pf_send --from news@example.com --to zoe@example.org --data @"$dir/m.eml" >/dev/null ||
            bail_out "cannot submit message $i"
        i=$((i + 1))
    done
}

# wait_rows N: until the messages table holds N rows (or 20 s).
wait_rows() {
    n=0
    while [ "$(pg_sql "SELECT count(*) FROM messages" 2>/dev/null)" != "$1" ] && [ $n -lt 200 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    [ "$(pg_sql "SELECT count(*) FROM messages" 2>/dev/null)" = "$1" ]
}

send 3 0
pf_wait_delivered 3 || bail_out "not delivered before the outage"
wait_rows 3
is "$(pg_sql "SELECT count(*) FROM messages")" 3 "before the outage every message is recorded"

pg_stop
send 5 3
ok "while PostgreSQL is down every message is still delivered" pf_wait_delivered 8
like "$(parts "$(last_delivered)" text)" "^Hi .* https://t.example.com/c/" \
    "while PostgreSQL is down mail is still tracked"

pg_restart || bail_out "PostgreSQL did not come back"
wait_rows 8 || diag "recorded: $(pg_sql "SELECT string_agg(subject, ' ' ORDER BY subject) FROM messages")" \
    "the milter's log:" "$(tail -n 20 "$dir/milter.log")"
is "$(pg_sql "SELECT count(*) FROM messages")" 8 "after the outage every message is recorded"
is "$(pg_sql "SELECT count(DISTINCT subject) FROM messages")" 8 "no message is recorded twice"
is "$(pg_sql "SELECT count(*) FROM events WHERE type = 'email.sent'")" 8 \
    "each message has exactly one email.sent event"

done_testing
