#!/bin/sh
# `tern token`: issuing tracking URLs under track.base_url and inspecting
# them with the configured keys (no database needed).
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"

dir=$(tap_tmpdir)
at_exit "rm -rf '$dir'"
tern_conf "$dir/tern.conf"
msg=0b7e3c1a-5d2f-4e8a-9c61-2f0a7d9e4b13

run_tern token click 'https://shop.example/a?b=1&c=2' --contact 42 --message $msg --link 3
is "$status" 0 "a click URL is issued"
like "$out" '^https://t\.example\.com/c/[A-Za-z0-9_-]+$' "it lives under base_url /c/"
click=$out

run_tern token inspect "$click"
is "$status" 0 "the click URL verifies"
like "$out" 'url +https://shop\.example/a\?b=1&c=2' "it carries the destination byte for byte"
like "$out" 'contact +42' "it carries the contact"
like "$out" "message +$msg" "it carries the message"
like "$out" 'link +3' "it carries the link index"
like "$out" 'valid +yes' "inspect says it is valid"

run_tern token open --message $msg
like "$out" '^https://t\.example\.com/o/' "an open URL lives under /o/"
run_tern token inspect "$out.gif"
like "$out" 'contact +0 \(anonymous\)' "an open URL without contact is anonymous (.gif suffix accepted)"

run_tern token unsubscribe --contact 7 --list newsletter
like "$out" '^https://t\.example\.com/u/' "an unsubscribe URL lives under /u/"
run_tern token inspect "$out"
like "$out" 'list +newsletter' "the unsubscribe URL names its list"
run_tern token unsubscribe --contact 7
run_tern token inspect "$out"
like "$out" 'list +all' "without --list an unsubscribe URL is for all mail"

run_tern token confirm --contact 7 --ttl 2d
like "$out" '^https://t\.example\.com/confirm/' "a confirm URL lives under /confirm/"
run_tern token inspect "$out"
like "$out" 'expires +[0-9]{4}-' "a confirm URL shows its expiry"

run_tern token open --contact 7 --link 5
is "$status" 2 "an option that does not apply to the URL's kind is a usage error"
like "$err" "--link does not apply to open URLs" "and is named"
run_tern token click https://shop.example/ --list news
is "$status" 2 "--list on a click URL is a usage error too"

run_tern token unsubscribe
is "$status" 2 "unsubscribe without a contact is a usage error"
like "$err" "unsubscribe tokens need --contact ID" "the missing option is named"

tampered=$(printf '%s' "$click" | sed 's/.$/A/;t;s/$//')
[ "$tampered" = "$click" ] && tampered=$(printf '%s' "$click" | sed 's/.$/B/')
run_tern token inspect "$tampered"
is "$status" 1 "a tampered URL does not verify"
like "$out" 'valid +no' "inspect says why it is not valid"

other='k2:b3RoZXItdGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZmdoaWprbA=='
tern_conf "$dir/rotated.conf" "[keys]
hmac_old = $TERN_TEST_KEY"
sed -i "s|^hmac = .*|hmac = $other|" "$dir/rotated.conf"
run_tern -c "$dir/rotated.conf" token inspect "$click"
is "$status" 0 "a URL signed with a retired key still verifies (hmac_old)"

run_tern token frobnicate
is "$status" 2 "an unknown token kind is a usage error"

done_testing
