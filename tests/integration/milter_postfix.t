#!/bin/sh
# milter_postfix.t - tern milter inside a real Postfix: a managed newsletter
# is personalized and tracked, unmanaged mail passes byte-identical.
#
# Every delivered message is read with Python's email package (an MIME
# parser independent of GMime); every rewritten link is decoded with
# `tern token inspect` and checked against the original URL.
. "$TERN_SRCDIR/tests/lib/milter.sh"
milter_require
milter_setup
milter_start
milter_postfix

# body_of FILE: the body of a captured message as delivered (smtp-sink adds one empty line).
body_of() { sed '1,/^$/d' "$1" | sed '$d'; }

pf_send --from news@example.com --to zoe@example.org \
    --data @"$TERN_SRCDIR/tests/data/newsletter.eml" >/dev/null
pf_wait_delivered 1 || bail_out "newsletter not delivered"
got=$(last_delivered)

is "$(parts "$got" subject)" "Hello Zoë" "the subject is personalized"
like "$(parts "$got" text)" "Hi Zoë, see" "the text part is personalized"
like "$(parts "$got" text)" "<p>Hi Zoë</p>" "the HTML part is personalized"
like "$(parts "$got" header List-Unsubscribe)" "^<https://t.example.com/u/" \
    "List-Unsubscribe points at the tracker"
is "$(parts "$got" header List-Unsubscribe-Post)" "List-Unsubscribe=One-Click" \
    "List-Unsubscribe-Post announces RFC 8058 one-click"
is "$(parts "$got" header X-Tern-Journey)$(parts "$got" header X-Tern-Step)" "" \
    "the control headers are removed"
like "$(parts "$got" text)" 'src="https://t.example.com/o/[A-Za-z0-9_-]+' \
    "the HTML part carries the open pixel"
like "$(parts "$got" text)" 'href="mailto:help@example.com"' "a mailto: link is left alone"
links=$(parts "$got" links https://t.example.com)
is "$(printf '%s\n' "$links" | grep -c .)" 2 "the text and the HTML link are both rewritten"
for l in $links; do
    run_tern token inspect "$l"
    like "$out" "url +https://shop.example/a\?x=1&y=2" "a rewritten link decodes to the original URL"
    like "$out" "contact +[1-9]" "a rewritten link names the recipient's contact"
done
like "$(parts "$got" text)" "see https://t.example.com/c/[A-Za-z0-9_-]+\.$" \
    "the sentence's full stop stays outside the rewritten text link"

cat >"$dir/plain.eml" <<'EOF'
From: someone@example.com
To: zoe@example.org
Subject: not managed {{x}}
Content-Type: text/html

<p>Left alone: <a href="https://shop.example/b?a=1&amp;b=2">b</a> {{x}}</p>
EOF
pf_send --from someone@example.com --to zoe@example.org --data @"$dir/plain.eml" >/dev/null
pf_wait_delivered 2 || bail_out "unmanaged mail not delivered"
got=$(last_delivered)
is "$(body_of "$got")" "$(sed '1,/^$/d' "$dir/plain.eml")" "an unmanaged body is byte-identical"
is "$(parts "$got" subject)" "not managed {{x}}" "an unmanaged subject is untouched"
is "$(parts "$got" header List-Unsubscribe)" "" "unmanaged mail gets no List-Unsubscribe"

n=0
while [ "$(pg_sql "SELECT count(*) FROM messages")" != 1 ] && [ $n -lt 100 ]; do
    sleep 0.1
    n=$((n + 1))
done
is "$(pg_sql "SELECT journey || '/' || step || ' ' || category FROM messages")" \
    "welcome/start marketing" "the managed message is recorded with its attribution"
is "$(pg_sql "SELECT count(*) FROM events WHERE type = 'email.sent'")" 1 \
    "one email.sent event is recorded for it"

kill -TERM "$milter_pid"
wait "$milter_pid"
is "$?" 0 "SIGTERM stops the milter cleanly"

done_testing
