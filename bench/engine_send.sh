#!/bin/sh
# bench/engine_send.sh - submission rate: the engine's sender versus smtp-source
#
# One private PostgreSQL, one private Postfix (no milter: its cost is
# bench/milter.sh's) relaying to smtp-sink, COUNT (default 5000) messages
# of the same size into the same Postfix, in ROUNDS (default 3) rounds of two
# legs each, so that the load of a shared machine falls on both alike:
#   1. tern engine --once --send-only: COUNT outbox rows queued by SQL (the
#      journeys' own rate is another benchmark) for the one recipient
#      smtp-source sends to, sent with engine.send_connections = SESSIONS
#      (default 4) over kept-open connections; the time is the whole
#      process, from start to exit;
#   2. smtp-source -s SESSIONS -m COUNT with the very message the engine sent
#      (one captured by smtp-sink, its dump lines removed), so both legs move
#      the same bytes.
# Postfix drains its queue between the legs. Prints msg/s of both legs and
# their ratio per round, the CPU time per message of the engine and of
# PostgreSQL (on the same two cores as Postfix here), and the median
# ratio engine / smtp-source (goal >= 0.8: the engine is never the
# bottleneck). Needs root, postfix, smtp-source, smtp-sink.
#
# Usage: bench/engine_send.sh [COUNT [SESSIONS [ROUNDS]]]
#        (TERN: the binary, default build/cli/tern)
set -eu
count=${1:-5000}
sessions=${2:-4}
rounds=${3:-3}
. "$(dirname "$0")/common.sh"
. "$top/tests/lib/postfix.sh"

bench_cluster engine-send
pf_start "$work/pf" >/dev/null || bail_out "cannot start Postfix"
mkdir -p "$work/templates" "$work/scripts"
tern_conf "$work/tern.conf" "[engine]
scripts = $work/scripts
templates = $work/templates
smtp = smtp://127.0.0.1:$PF_PORT
send_connections = $sessions"
"$TERN" migrate >/dev/null

# items FORMAT: FORMAT (with the item number twice) for 40 items.
items() {
    i=0
    while [ $i -lt 40 ]; do
        printf "$1" $i $i
        i=$((i + 1))
    done
}
# A newsletter-sized template: about 3 KB of HTML and 1 KB of text, a 7.5 KB message.
{
    printf 'subject: News for {{contact.first_name | default: "you"}}\n'
    printf 'from: News <news@example.com>\npreheader: This week in short\n\n--- html\n<html><body>\n'
    items '<p>Item %d for {{contact.first_name}}: <a href="https://shop.example/p/%d">see it</a></p>\n'
    printf '</body></html>\n--- text\n'
    items 'Item %d: https://shop.example/p/%d\n'
} >"$work/templates/news.tpl"

# queue N: N outbox rows for zoe@example.org, the recipient smtp-source uses
# too (Postfix caches the last recipient it resolved: different addresses
# would cost the engine's leg lookups the other does not make).
zoe=$(pg_sql "INSERT INTO tern.contacts (email) VALUES ('zoe@example.org') RETURNING id")
queue() {
    pg_sql "INSERT INTO tern.outbox (contact_id, id, template)
            SELECT $zoe, gen_random_uuid(), 'news' FROM generate_series(1, $1)"
}

queue 20
"$TERN" engine --once --send-only
pf_wait_delivered 20 60 ||
    bail_out "the warm-up mail was not delivered: $(pg_sql "SELECT status, last_error FROM tern.outbox LIMIT 2")"
# The engine's message as smtp-source sends it: smtp-sink's dump lines and
# Postfix's Received header (which Postfix adds to both legs) removed.
awk 'NR <= 4 && /^X-(Client-Addr|Helo-Args|Mail-Args|Rcpt-Args):/ { next }
     !body && /^Received:/ { skip = 1; next }
     skip && /^[ \t]/ { next }
     { skip = 0 }
     /^$/ { body = 1 }
     { print }' "$(pf_sink_files | tail -n 1)" | sed '$d' >"$work/msg.eml"
size=$(wc -c <"$work/msg.eml" | tr -d ' ')
# A database in its steady state: a fresh one has autovacuum's first pass
# over the migrated catalogs still ahead, which lands in the first leg.
pg_sql "VACUUM ANALYZE" >/dev/null

rate() { echo "$count $1 $2" | awk '{ printf "%.1f", $1 / ($3 - $2) }'; }
delivered=20

# engine_leg: sets $engine (msg/s) and $cpu, $pgcpu (ms per message).
engine_leg() {
    queue "$count"
    leg engine "$TERN" engine --once --send-only 2>"$work/eng.log"
    read -r t0 t1 c0 c1 s0 s1 <"$work/engine"
    engine=$(rate "$t0" "$t1")
    cpu=$(echo "$c0 $c1 $count" | awk '{ printf "%.3f", ($2 - $1) * 1000 / $3 }')
    pgcpu=$(echo "$s0 $s1 $count" | awk '{ printf "%.3f", ($2 - $1) * 1000 / $3 }')
    left=$(pg_sql "SELECT count(*) FROM tern.outbox WHERE status <> 'sent'")
    [ "$left" = 0 ] || echo "# engine: $left rows not sent: $(tail -n 5 "$work/eng.log")" >&2
    delivered=$((delivered + count))
    pf_wait_delivered "$delivered" 600 || echo "# engine: not everything was delivered" >&2
}

# source_leg: sets $source (msg/s).
source_leg() {
    t0=$(now)
    smtp-source -s "$sessions" -m "$count" -F "$work/msg.eml" -f news@example.com \
        -t zoe@example.org "127.0.0.1:$PF_PORT"
    t1=$(now)
    source=$(rate "$t0" "$t1")
    delivered=$((delivered + count))
    pf_wait_delivered "$delivered" 600 || echo "# smtp-source: not everything was delivered" >&2
}

echo "messages: $count of $size bytes per leg, $sessions sessions each, $rounds rounds"
r=1
while [ $r -le "$rounds" ]; do
    engine_leg
    source_leg
    ratio=$(echo "$engine $source" | awk '{ printf "%.2f", $1 / $2 }')
    echo "round $r: tern engine --send-only $engine msg/s (CPU per message: $cpu ms tern," \
        "$pgcpu ms PostgreSQL), smtp-source $source msg/s, ratio $ratio"
    echo "$ratio" >>"$work/ratios"
    r=$((r + 1))
done
echo "ratio engine / smtp-source, median of $rounds: $(sort -n "$work/ratios" |
    awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }') (goal >= 0.8)"
