#!/bin/sh
# demo.sh - run Tern locally on a private PostgreSQL (called by `./dev demo`)
#
# Everything lives under $TERN_DEMO_DIR (default .demo/): the cluster, the
# config with a freshly generated signing key, logs. Running it again
# reuses them; delete the directory to start over.
set -eu
: "${TERN_SRCDIR:?}" "${TERN:?}" "${TERN_DEMO_DIR:?}"
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/postfix.sh"

demo=$TERN_DEMO_DIR
mkdir -p "$demo"
TERN_TMPDIR=$demo/tmp
export TERN_TMPDIR

say() { printf '\n==> %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

pgdir=$demo/pg
pg_reachable "$demo" || pgdir=/var/tmp/tern-demo-pg
say "starting a private PostgreSQL in $pgdir"
pg_start "$pgdir" durable
at_exit "PG_STOP_MODE=fast pg_stop '$pgdir'"

# The signing key is made once and kept, so links from earlier runs still
# verify; the rest of the configuration follows this run's cluster and ports.
[ -f "$demo/hmac.key" ] || (umask 077 && openssl rand -base64 32 >"$demo/hmac.key")
conf=$demo/tern.conf
track_port=$(pf_free_port)
cat >"$conf" <<CONF
; Written by the demo on every run. See tern.conf(5) and \`tern check-config --defaults\`.
[database]
url = $TERN_DB_URL
[keys]
hmac = k1:$(cat "$demo/hmac.key")
[track]
listen = 127.0.0.1:$track_port
base_url = http://127.0.0.1:$track_port
spool = $demo/track-spool
CONF
TERN_CONFIG=$conf
export TERN_CONFIG

say "checking the configuration"
show "$TERN" check-config

say "creating the schema"
show "$TERN" migrate

say "importing the sample contacts"
show "$TERN" contacts import "$TERN_SRCDIR/contrib/sample/contacts.csv"

say "recording events, as a shop or CRM would"
show "$TERN" event order.placed --email daan.visser@example.nl --tenant nl \
    --data '{"order":"NL-1042","total":59.90,"items":[{"sku":"ALB-30","name":"Photo album 30x30","quantity":1,"price":59.90}]}'
show "$TERN" event contact.confirmed --email karin.lindqvist@example.se

say "what is in the database"
"$PG_BINDIR/psql" -X -P pager=off -c "SELECT tenant, count(*) AS contacts,
        count(*) FILTER (WHERE (attributes->>'vip')::boolean) AS vip
    FROM tern.contacts GROUP BY tenant ORDER BY tenant"
"$PG_BINDIR/psql" -X -P pager=off -c "SELECT email, tenant, timezone, locale, attributes
    FROM tern.contacts WHERE tenant = 'nl' ORDER BY email"
"$PG_BINDIR/psql" -X -P pager=off -c "SELECT e.type, c.email, e.data, e.occurred_at
    FROM tern.events e JOIN tern.contacts c ON c.id = e.contact_id ORDER BY e.recorded_at DESC LIMIT 5"

# Mail through a private Postfix with tern milter (needs root, as Postfix does).
mail_demo() {
    if [ -n "$(pf_missing)" ]; then
        say "skipping the mail part: $(pf_missing)"
        return 0
    fi
    say "sending a newsletter through a private Postfix with tern milter in front"
    milter_port=$(pf_free_port)
    cat >>"$conf" <<CONF
[milter]
socket = inet:$milter_port@127.0.0.1
spool = $demo/milter-spool
managed_senders = news@example.com
CONF
    "$TERN" milter >"$demo/milter.log" 2>&1 &
    milter_pid=$!
    at_exit "kill $milter_pid 2>/dev/null; wait $milter_pid 2>/dev/null || true"
    n=0
    while ! pf_listening "$milter_port" && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
    PF_SMTPD_MILTERS=inet:127.0.0.1:$milter_port pf_start "$demo/postfix"
    pf_send --from news@example.com --to anna.jansen@example.nl \
        --data @"$TERN_SRCDIR/contrib/sample/newsletter.eml" >/dev/null
    pf_wait_delivered 1
    mkdir -p "$demo/mail"
    got=$demo/mail/$(date +%Y%m%dT%H%M%S).eml
    cp "$(pf_sink_files | tail -n 1)" "$got"
    parts() { /usr/bin/python3 "$TERN_SRCDIR/tests/lib/mailparts.py" "$got" "$@"; }

    say "what Anna received ($got)"
    printf 'Subject: %s\nList-Unsubscribe: %s\n\n' "$(parts subject)" "$(parts header List-Unsubscribe)"
    text=$(parts text)
    printf '%s\n' "$text" | sed -n '1,/^<html>/p' | sed '$d'
    links=$(parts links "http://127.0.0.1:$track_port")
    link=$(printf '%s\n' "$links" | head -n 1)
    say "every link now goes through the tracker; the first one says:"
    show "$TERN" token inspect "$link"

    n=0
    while [ "$("$PG_BINDIR/psql" -qAtX -c "SELECT count(*) FROM tern.messages")" = 0 ] && [ $n -lt 100 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    say "the milter recorded the message"
    "$PG_BINDIR/psql" -X -P pager=off -c "SELECT recipient, journey, step, template, subject, link_count, queue_id
        FROM tern.messages ORDER BY sent_at DESC LIMIT 3"
    track_demo "$link"
    engine_demo
}

# The shipped journeys react to the events recorded above: tern engine runs what is due once
# and submits the mail through the same Postfix, where the milter personalizes and tracks it.
engine_demo() {
    say "running the shipped journeys (scripts/, templates/) once with tern engine"
    cat >>"$conf" <<CONF
[engine]
scripts = $TERN_SRCDIR/scripts
templates = $TERN_SRCDIR/templates
smtp = smtp://127.0.0.1:$PF_PORT
from = Fotostudio <news@example.com>
CONF
    before=$(pf_sink_files | wc -l)
    show "$TERN" engine --once
    "$PG_BINDIR/psql" -X -P pager=off -c "SELECT c.email, e.journey, e.step, e.status, e.end_reason
        FROM tern.enrollments e JOIN tern.contacts c ON c.id = e.contact_id ORDER BY e.id DESC LIMIT 5"
    sent=$("$PG_BINDIR/psql" -qAtX -c "SELECT count(*) FROM tern.outbox WHERE status = 'sent'")
    pf_wait_delivered $((before + 1)) 30 >/dev/null 2>&1 || true
    say "what the journeys sent, as delivered ($sent sent so far; each through the milter)"
    for f in $(pf_sink_files | tail -n +$((before + 1))); do
        cp "$f" "$demo/mail/"
        /usr/bin/python3 "$TERN_SRCDIR/tests/lib/mailparts.py" "$f" header To | sed 's/^/To:      /'
        printf 'Subject: %s\n\n' "$(/usr/bin/python3 "$TERN_SRCDIR/tests/lib/mailparts.py" "$f" subject)"
        body=$(/usr/bin/python3 "$TERN_SRCDIR/tests/lib/mailparts.py" "$f" text)
        printf '%s\n' "$body" | sed -n '1,/^<html>\|^<p>/p' | sed '$d' | head -n 12
    done
    say "journey steps that wait (a window, a wait_for) run when they are due: \`tern engine\` keeps running them"
    show "$TERN" stats
}

# Follow a link through tern track, as a mail client would: a signed 302, the click recorded.
track_demo() {
    say "following that link through tern track (127.0.0.1:$track_port)"
    "$TERN" track >"$demo/track.log" 2>&1 &
    track_pid=$!
    at_exit "kill $track_pid 2>/dev/null; wait $track_pid 2>/dev/null || true"
    n=0
    while ! pf_listening "$track_port" && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
    show curl -sS -o /dev/null -w '%{http_code} -> %{redirect_url}\n' \
        -A 'Mozilla/5.0 (demo mail client)' "$link"
    # One signature character changed: the tracker must answer 404, never redirect.
    case $link in *A) forged=${link%A}B ;; *) forged=${link%?}A ;; esac
    show curl -sS -o /dev/null -w '%{http_code} (the same link with one character changed)\n' "$forged"
    this="message_id = (SELECT id FROM tern.messages ORDER BY sent_at DESC LIMIT 1)"
    n=0
    while [ "$("$PG_BINDIR/psql" -qAtX -c "SELECT count(*) FROM tern.events WHERE type = 'email.click' AND $this")" = 0 ] &&
        [ $n -lt 100 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    say "this message's events as the tracker recorded them (a click this soon after the send looks like a link scanner)"
    "$PG_BINDIR/psql" -X -P pager=off -c "SELECT type, bot_class, bot_reason, user_agent
        FROM tern.events WHERE $this ORDER BY occurred_at"
}
mail_demo

say "done"
cat <<MSG
PostgreSQL, Postfix, tern milter and tern track have been stopped. The
database ($pgdir), the signing key and configuration ($demo) and
the delivered mail ($demo/mail/) are kept: run \`./dev demo\` again to
continue where this run left off, or delete $demo to start over.
MSG
