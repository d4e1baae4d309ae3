#!/bin/sh
# milter_dkim.t - tern runs before the DKIM signer: Postfix with tern, then
# OpenDKIM, in smtpd_milters; every delivered message's signature verifies
# with an independent verifier (dkimpy), rewritten or not.
. "$TERN_SRCDIR/tests/lib/milter.sh"
. "$TERN_SRCDIR/tests/lib/dkim.sh"
milter_require
dkim_require
milter_setup
milter_start
dkim_port=$(pf_free_port)
dkim_start "$dir/dkim" "$dkim_port" || bail_out "cannot start opendkim"
PF_SMTPD_MILTERS="inet:127.0.0.1:$MILTER_PORT, inet:127.0.0.1:$dkim_port" milter_postfix

cp "$TERN_SRCDIR/tests/data/newsletter.eml" "$dir/news.eml"
printf 'From: someone@example.com\nTo: zoe@example.org\nSubject: plain\n\nNot managed.\n' >"$dir/plain.eml"
long_subject=$(python3 -c 'print("Grüße aus Köln, " * 30, end="")')
printf 'From: news@example.com\nTo: zoe@example.org\nX-Tern-Journey: j\nSubject: %s{{contact.first_name}}\nContent-Type: text/plain; charset=utf-8\n\nHi.\n' \
    "$long_subject" >"$dir/long.eml"

n=0
for f in news plain long; do
    from=news@example.com
    if [ $f = plain ]; then from=someone@example.com; fi
    pf_send --from $from --to zoe@example.org --data @"$dir/$f.eml" >/dev/null || bail_out "cannot submit"
    n=$((n + 1))
    pf_wait_delivered $n || bail_out "$f not delivered"
    got=$(last_delivered)
    if [ $f = news ]; then
        like "$(parts "$got" links https://t.example.com)" "^https://t.example.com/c/" \
            "the managed message was rewritten before signing"
    fi
    why=$(dkim_verify "$got")
    tap_result $? "the DKIM signature on the delivered $f message verifies"
    [ -z "$why" ] || diag "$why"
done

is "$(parts "$got" subject)" "${long_subject}Zoë" "a long non-ASCII subject reads back whole"
longest=$(sed '/^\r\{0,1\}$/q' "$got" | tr -d '\r' |
    awk '/^Subject:/ { s = 1 } /^[^ \t]/ && !/^Subject:/ { s = 0 } s && length($0) > m { m = length($0) }
         END { print m + 0 }')
ok "its Subject is folded into lines of at most 76 characters ($longest the longest)" \
    test "$longest" -gt 0 -a "$longest" -le 76

done_testing
