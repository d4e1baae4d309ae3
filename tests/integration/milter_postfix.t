#!/bin/sh
# milter_postfix.t - tern milter inside a real Postfix, end to end
#
# A private PostgreSQL with one contact, tern milter on a loopback port, a
# private Postfix with it in smtpd_milters, smtp-sink capturing. Each
# delivered message is parsed with Python's email package; every rewritten
# link is checked with `tern token inspect` against the original URL.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/lib/postfix.sh"
pf_require
"$TERN" milter --help >/dev/null 2>&1 || skip_all "tern milter is not built"
tern_test_db
chmod 755 "$dir"
printf 'email,first_name\nzoe@example.org,Zo\303\253\n' >"$dir/c.csv"
"$TERN" contacts import "$dir/c.csv" >/dev/null || bail_out "import failed"

port=$(pf_free_port)
cat >>"$TERN_CONFIG" <<CONF
[milter]
socket = inet:$port@127.0.0.1
spool = $dir/spool
managed_senders = news@example.com
[engine]
scripts = $dir/no-scripts
CONF
"$TERN" milter >"$dir/milter.log" 2>&1 &
milter_pid=$!
at_exit "kill $milter_pid 2>/dev/null"
n=0
while ! pf_listening "$port" && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
PF_SMTPD_MILTERS=inet:127.0.0.1:$port pf_start "$dir/pf" || bail_out "cannot start Postfix"

# check.py FILE: the delivered message's parts as "TYPE<TAB>decoded text" lines, links listed.
cat >"$dir/parts.py" <<'PY'
import email, re, sys
from email import policy
raw = open(sys.argv[1], 'rb').read()
raw = raw.split(b'\n\n', 1)[1] if raw.startswith(b'X-Client-Addr') else raw
# smtp-sink's own lines end at the Received: header block
i = raw.find(b'\nFrom: ')
m = email.message_from_bytes(raw[i + 1:] if raw.startswith(b'Received') else raw, policy=policy.default)
what = sys.argv[2]
if what == 'subject':
    print(m['subject'])
elif what == 'header':
    print(m.get(sys.argv[3], ''))
elif what == 'links':
    for part in m.walk():
        if part.get_content_maintype() == 'text':
            for u in re.findall(r'https://t\.example\.com/c/[A-Za-z0-9_-]+', part.get_content()):
                print(u)
elif what == 'text':
    for part in m.walk():
        if part.get_content_maintype() == 'text':
            print(part.get_content())
PY
parts() { python3 "$dir/parts.py" "$@"; }

cat >"$dir/news.eml" <<'EOF2'
From: news@example.com
To: zoe@example.org
Subject: Hello {{contact.first_name}}
X-Tern-Journey: welcome
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Hi {{contact.first_name}}, see https://shop.example/a?x=1&y=2.
--b1
Content-Type: text/html; charset=utf-8

<html><body><p>Hi {{contact.first_name}}</p>
<a href="https://shop.example/a?x=1&amp;y=2">shop</a>
<a href="mailto:help@example.com">help</a></body></html>
--b1--
EOF2
pf_send --from news@example.com --to zoe@example.org --data @"$dir/news.eml" >/dev/null
pf_wait_delivered 1 || bail_out "newsletter not delivered"
got=$(pf_sink_files | tail -n 1)
is "$(parts "$got" subject)" "Hello Zoë" "subject personalized"
like "$(parts "$got" text)" "Hi Zoë" "body personalized"
like "$(parts "$got" header List-Unsubscribe)" "^<https://t.example.com/u/" "List-Unsubscribe added"
is "$(parts "$got" header X-Tern-Journey)" "" "control header removed"
links=$(parts "$got" links)
is "$(printf '%s\n' "$links" | grep -c .)" 2 "both links rewritten (text and HTML)"
for l in $links; do
    run_tern token inspect "$l"
    like "$out" "https://shop.example/a\?x=1&y=2" "link decodes to the original URL"
done

cat >"$dir/plain.eml" <<'EOF2'
From: someone@example.com
To: zoe@example.org
Subject: not managed {{x}}

Left alone: https://shop.example/b
EOF2
pf_send --from someone@example.com --to zoe@example.org --data @"$dir/plain.eml" >/dev/null
pf_wait_delivered 2 || bail_out "plain mail not delivered"
got=$(pf_sink_files | tail -n 1)
like "$(parts "$got" text)" "Left alone: https://shop.example/b" "unmanaged mail untouched"
is "$(parts "$got" subject)" "not managed {{x}}" "unmanaged subject untouched"

done_testing
