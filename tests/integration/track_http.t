#!/bin/sh
# tern track over real HTTP: clicks, opens, refused tokens, methods, limits,
# keep-alive, /healthz and /metrics; every 302 ends up in PostgreSQL once.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"
. "$TERN_SRCDIR/tests/integration/track_fixture.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
tern_test_db
old_key='k0:b2xkLXRlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWZnaGlqa2xtbg=='
track_conf "[keys]
hmac_old = $old_key"
track_start || bail_out "tern track did not start"
msg=0b7e3c1a-5d2f-4e8a-9c61-2f0a7d9e4b13
ua='Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0'

# path_of URL: the path of a URL the configured base_url produced
path_of() { printf '%s' "$1" | sed 's|^https://t\.example\.com||'; }
# get PATH [CURL ARGS]: status, then headers, into $code and $headers
get() {
    p=$1; shift
    headers=$(curl -s -A "$ua" -D - -o "$TRACK_DIR/body" "$@" "$TRACK_URL$p" | tr -d '\r')
    code=$(printf '%s' "$headers" | head -n 1 | cut -d' ' -f2)
}

dest='https://shop.example/sale?a=1&b=%20x#top'
click=$(path_of "$("$TERN" token click "$dest" --contact 42 --message $msg --link 3)")
get "$click"
is "$code" 302 "a valid click token redirects"
like "$headers" "^Location: https://shop\.example/sale\?a=1&b=%20x#top$" \
    "to the destination bound in the token, byte for byte"
like "$headers" '^Referrer-Policy: no-referrer$' "without a referrer for the destination"
like "$headers" '^Cache-Control: no-cache' "and not cacheable (every click counts)"
served=1

get "$(track_tamper "$click")"
is "$code" 404 "a tampered token is a 404"
unlike "$headers" '^Location:' "a tampered token never redirects"
like "$(cat "$TRACK_DIR/body")" 'Link not found' "with the plain not-found page"

get "$(printf '%s' "$click" | cut -c1-40)"
is "$code" 404 "a truncated token is a 404"

# The same token with one URL byte changed and its MAC kept: must not verify.
edited=$(python3 -c '
import base64, sys
t = sys.argv[1].rsplit("/", 1)[1]
raw = bytearray(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)))
i = raw.find(b"shop.example")
raw[i:i + 4] = b"evil"
print("/c/" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("="))' "$click")
get "$edited"
is "$code" 404 "a token whose URL was edited to another site is a 404"

other_conf=$TRACK_DIR/old-key.conf
sed "s|^hmac = .*|hmac = $old_key|; /^hmac_old/d" "$TERN_CONFIG" >"$other_conf"
old_click=$(path_of "$("$TERN" -c "$other_conf" token click https://old.example/ --contact 42 --message $msg)")
get "$old_click"
is "$code" 302 "a token signed with a retired key (hmac_old) still redirects"
served=$((served + 1))

js=$(path_of "$("$TERN" token click 'javascript:alert(1)' --contact 42 --message $msg)")
get "$js"
is "$code" 404 "a signed token for a non-web URL is refused, never redirected"

open=$(path_of "$("$TERN" token open --contact 42 --message $msg)")
get "$open"
is "$code" 200 "an open token answers 200"
like "$headers" '^Content-Type: image/gif$' "with a GIF"
is "$(wc -c <"$TRACK_DIR/body" | tr -d ' ')" 43 "of 43 bytes (1x1 transparent)"
like "$headers" '^Cache-Control: no-cache, no-store' "that is never cached"
get "$open.gif"
is "$code" 200 "the pixel answers with a .gif suffix too"

get "$click" -I
is "$code" 302 "HEAD on a click answers like GET"
served=$((served + 1))

get "$click" -X POST
is "$code" 405 "POST on a click is not allowed"
like "$headers" '^Allow: GET, HEAD$' "and says which methods are"

get /nowhere
is "$code" 404 "an unknown path is a 404"
get "$click/extra"
is "$code" 404 "a token path with another segment is a 404"

unsub=$(path_of "$("$TERN" token unsubscribe --contact 42 --list marketing)")
head -c 1100000 /dev/zero | tr '\0' a >"$TRACK_DIR/big"
get "$unsub" --data-binary @"$TRACK_DIR/big"
is "$code" 413 "a body over track.max_body is refused with 413"

get "$click" -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)"
like "$code" '^4[0-9][0-9]$' "headers over the header limit are refused"

reuse=$(curl -sv -o /dev/null -o /dev/null -A "$ua" "$TRACK_URL$click" "$TRACK_URL$open" 2>&1)
like "$reuse" 'Re-using existing connection|left intact' "keep-alive: two requests share one connection"
served=$((served + 1))

get /healthz
is "$code" 200 "/healthz answers 200"

honey=$(path_of "$("$TERN" token click https://t.example.com/ --contact 42 --message $msg --link 4294967295)")
get "$honey"
is "$code" 302 "the honeypot link redirects like any other"
served=$((served + 1))
# A time-ordered (version 7) message id sent just now: a click a moment later is a scanner.
v7=$(python3 -c 'import time, uuid; ms = int(time.time() * 1000); print(uuid.UUID(int=(ms << 80) | (7 << 76) | (2 << 62) | 12345))')
soon=$(path_of "$("$TERN" token click https://shop.example/new --contact 42 --message "$v7")")
get "$soon"
served=$((served + 1))
latin1=$(path_of "$("$TERN" token click https://shop.example/latin --contact 42 --message $msg)")
headers=$(curl -s -D - -o /dev/null -H "$(printf 'User-Agent: Mozilla/5.0 (caf\351)')" "$TRACK_URL$latin1" | tr -d '\r')
is "$(printf '%s' "$headers" | head -n 1 | cut -d' ' -f2)" 302 "a click whose User-Agent is not UTF-8 redirects"
served=$((served + 1))
# Behind a proxy that adds its own X-Forwarded-For line (haproxy), after the client's forged one.
xff=$(path_of "$("$TERN" token click https://shop.example/xff --contact 42 --message $msg)")
get "$xff" -H 'X-Forwarded-For: 198.51.100.9' -H 'X-Forwarded-For: 203.0.113.7'
served=$((served + 1))
xff1=$(path_of "$("$TERN" token click https://shop.example/xff1 --contact 42 --message $msg)")
get "$xff1" -H 'X-Forwarded-For: 198.51.100.20'
served=$((served + 1))

n=$(track_wait_events email.click $served)
is "$n" "$served" "every 302 served is one email.click event in PostgreSQL"
is "$(pg_sql "SELECT count(*) FROM tern.events WHERE type = 'email.open'")" 3 \
    "every pixel served is one email.open event"
row=$(pg_sql "SELECT contact_id, message_id, data->>'link', data->>'url', source, bot_class, user_agent
              FROM tern.events WHERE type = 'email.click' AND user_agent = '$ua' AND data->>'link' = '3'
              ORDER BY occurred_at LIMIT 1")
is "$row" "42|$msg|3|$dest|track|human|$ua" "a click event carries contact, message, link, URL, class and agent"
is "$(pg_sql "SELECT host(ip) FROM tern.events WHERE data->>'url' = 'https://shop.example/xff'")" \
    203.0.113.7 "every X-Forwarded-For line counts: the client is the rightmost untrusted entry"
is "$(pg_sql "SELECT host(ip) FROM tern.events WHERE data->>'url' = 'https://shop.example/xff1'")" \
    198.51.100.20 "one X-Forwarded-For line names the client"
is "$(pg_sql "SELECT user_agent FROM tern.events WHERE data->>'url' = 'https://shop.example/latin'")" \
    "Mozilla/5.0 (caf$(printf '\357\277\275'))" "and is recorded, the byte that is not UTF-8 replaced by U+FFFD"
is "$(pg_sql "SELECT bot_class || ': ' || bot_reason FROM tern.events WHERE type = 'email.click' AND bot_reason = 'HEAD request'")" \
    "scanner: HEAD request" "the HEAD click is classified as a scanner, with its reason"

is "$(pg_sql "SELECT bot_class FROM tern.events WHERE type = 'email.click' AND (data->>'link')::bigint = 4294967295")" \
    honeypot "a click on the honeypot link is classified honeypot"
like "$(pg_sql "SELECT bot_class || ': ' || bot_reason || ' / ' || delay_ms FROM tern.events WHERE message_id = '$v7'")" \
    '^scanner: clicked [0-9]+ ms after the send \(scanner_delay 10000 ms\) / [0-9]+$' \
    "a click seconds after the send (UUIDv7 message id) is a scanner, with the delay stored"

get /metrics
like "$(cat "$TRACK_DIR/body")" 'tern_track_requests_total\{endpoint="click",code="302"\} [1-9]' \
    "/metrics counts requests by endpoint and status"
like "$(cat "$TRACK_DIR/body")" 'tern_track_token_failures_total\{endpoint="click"\} [1-9]' \
    "/metrics counts refused tokens"

track_stop
like "$(cat "$TRACK_LOG")" 'stopped' "SIGTERM stops the tracker cleanly"

done_testing
