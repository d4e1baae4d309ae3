#!/bin/sh
# The private Postfix fixture (tests/lib/postfix.sh): instances start, relay
# mail into their own smtp-sink unchanged, run side by side, stop cleanly
# and never touch the system Postfix.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/postfix.sh"
pf_require

tmp=$(tap_tmpdir)
at_exit "[ -n \"\${TERN_KEEP_TMP:-}\" ] || rm -rf '$tmp'"

# Masters of the system instance: started without -c, or with /etc/postfix.
system_masters() {
    for comm in /proc/[0-9]*/comm; do
        [ "$(cat "$comm" 2>/dev/null)" = master ] || continue
        # A master that just exited stays a zombie until init reaps it.
        grep -qs '^State:.*Z' "${comm%/comm}/status" && continue
        env=${comm%/comm}/environ
        conf=$(tr '\0' '\n' <"$env" 2>/dev/null | sed -n 's/^MAIL_CONFIG=//p')
        case $conf in '' | /etc/postfix | /etc/postfix/) echo "${comm%/comm}" ;; esac
    done | sort
}

# The message as received: what follows smtp-sink's own header lines, minus
# the empty line it appends.
captured_message() { sed '1,/^Received: from .*(\[127.0.0.1\])$/d' "$1" | sed '1,2d;$d'; }
# Its body without trailing empty lines: swaks ends every body with two.
captured_body() { captured_message "$1" | sed '1,/^$/d' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'; }

marker=$tmp/started
: >"$marker"
masters_before=$(system_masters)
port25_before=$(pf_listening 25 && echo listening)

# --- one instance ---------------------------------------------------------
pf_start "$tmp/a" || bail_out "cannot start the private Postfix"
a_dir=$PF_DIR a_port=$PF_PORT a_sink_port=$PF_SINK_PORT a_sink=$PF_SINK_DIR

banner=$(swaks --server 127.0.0.1 --port "$PF_PORT" --quit-after CONNECT </dev/null 2>&1)
like "$banner" '<- +220 pf\.tern\.test ESMTP' "smtpd answers on its loopback port"

{
    printf 'first line\n'
    printf '.a line starting with a dot\n'
    printf 'trailing spaces   \n\ttab-indented\n'
    printf 'caf\303\251 na\303\257ve \342\202\254 UTF-8\n'
    i=0
    while [ $i -lt 30 ]; do
        printf 'line %02d %s\n' $i 'abcdefghijklmnopqrstuvwxyz0123456789 <a href="https://example.com/?a=1&amp;b=2">x</a>'
        i=$((i + 1))
    done
    printf 'last line\n'
} >"$tmp/body.txt"
subject='Fixture check: 100% <ok> & "quoted"'
qid=$(pf_send --header "Subject: $subject" --body "@$tmp/body.txt")
like "$qid" '^[0-9A-F]{6,}$' "pf_send prints the queue id of the accepted message"

ok "the message arrives in the sink" pf_wait_delivered 1 20
msg=$(pf_sink_files | head -n 1)
is "$(ls "$PF_SINK_DIR" | wc -l)" 1 "the sink holds one file per message"
like "$(grep "id $qid" "$msg")" "id $qid" "the captured message is the one pf_send queued"
is "$(captured_message "$msg" | grep '^Subject:')" "Subject: $subject" "the subject arrives unchanged"
is "$(captured_body "$msg" | cksum)" "$(cksum <"$tmp/body.txt")" "the body bytes arrive unchanged"

pf_send --to other@example.org --header 'Subject: override' >/dev/null
pf_wait_delivered 2 20 >/dev/null
like "$(grep -l 'Subject: override' "$PF_SINK_DIR"/* | xargs grep -h '^X-Rcpt-Args:')" \
    '<other@example.org>' "pf_send arguments override its default recipient"

printf 'Subject: via sendmail\n\nlocal submission\n' |
    sendmail -C "$PF_DIR" -f sender@example.com rcpt@example.net
ok "a message submitted with sendmail -C arrives in the sink" pf_wait_delivered 3 20

pf_postconf 'smtpd_banner = $myhostname ESMTP reconfigured'
banner=$(swaks --server 127.0.0.1 --port "$PF_PORT" --quit-after CONNECT </dev/null 2>&1)
like "$banner" '<- +220 .* ESMTP reconfigured' "pf_postconf applies to the next session"

out=$(pf_wait_delivered 99 1)
rc=$?
ok "pf_wait_delivered fails when too few messages arrive" [ $rc -ne 0 ]
like "$out" '^# pf_wait_delivered: 3 of 99' "its failure reports the count and the maillog"

# --- a second instance beside it -------------------------------------------
# The first one lives in a scratch directory of its own, as the postfix user
# cannot enter $tmp (mode 700); this one runs in place.
chmod 755 "$tmp"
pf_start "$tmp/b" || bail_out "cannot start a second private Postfix"
b_dir=$PF_DIR
unlike "$PF_PORT" "^($a_port|$a_sink_port)\$" "a second instance listens on its own port"
pf_send --header 'Subject: to b' >/dev/null
ok "the second instance delivers into its own sink" pf_wait_delivered 1 20
is "$(grep -l 'Subject: to b' "$a_sink"/* 2>/dev/null)" "" "the first sink does not see it"
pf_use "$a_dir"
pf_send --header 'Subject: to a again' >/dev/null
ok "the first instance still delivers while the second runs" pf_wait_delivered 4 20

# --- stopping ---------------------------------------------------------------
pf_stop "$a_dir"
still=''
for p in $a_port $a_sink_port; do pf_listening "$p" && still="$still $p"; done
is "$still" "" "after pf_stop nothing listens on the instance's ports"
is "$(pf_procs "$a_dir")" "" "after pf_stop no process of the instance remains"
ok "pf_stop is idempotent" pf_stop "$a_dir"
pf_use "$b_dir"
banner=$(swaks --server 127.0.0.1 --port "$PF_PORT" --quit-after CONNECT </dev/null 2>&1)
like "$banner" '<- +220 ' "stopping one instance leaves the other running"
pf_stop "$b_dir"
is "$(pf_procs "$b_dir")" "" "the second instance stops too"

# --- a discarding sink (benchmarks) -----------------------------------------
PF_SINK_DISCARD=1 pf_start "$tmp/c" || bail_out "cannot start a Postfix with a discarding sink"
c_dir=$PF_DIR c_sink_port=$PF_SINK_PORT
pf_send --header 'Subject: to c 1' >/dev/null
pf_send --header 'Subject: to c 2' >/dev/null
ok "with PF_SINK_DISCARD, pf_wait_delivered counts Postfix's deliveries" pf_wait_delivered 2 20
is "$(ls "$PF_SINK_DIR")" "" "a discarding sink keeps no message"
pf_stop "$c_dir"
is "$(pf_listening "$c_sink_port" && echo listening)" "" "pf_stop stops a discarding sink too"

# --- the system Postfix ------------------------------------------------------
is "$(find /etc/postfix -newer "$marker" | head -n 5)" "" "nothing under /etc/postfix changed"
is "$(system_masters)" "$masters_before" "no system Postfix master was started or stopped"
is "$(pf_listening 25 && echo listening)" "$port25_before" "port 25 is left as it was"

done_testing
