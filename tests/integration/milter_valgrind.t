#!/bin/sh
# milter_valgrind.t - tern milter under valgrind: 1,000 managed messages
# through a real Postfix and 5 reloads meanwhile, with no memory error and
# no definite or indirect leak.
. "$TERN_SRCDIR/tests/lib/milter.sh"
milter_require
command -v valgrind >/dev/null 2>&1 || skip_all "valgrind is not installed"
# A sanitizer build has its own shadow memory; valgrind cannot run it.
! grep -q __asan_init "$TERN" 2>/dev/null || skip_all "tern is built with AddressSanitizer"
milter_setup
mkdir -p "$dir/scripts/hooks"
cat >"$dir/scripts/hooks/message.lua" <<'EOF'
hook "message" (function(m)
  m.view.greeting = m.contact and m.contact.first_name or "there"
end)
EOF

valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$dir/valgrind.log" \
    "$TERN" milter >>"$dir/milter.log" 2>&1 &
milter_pid=$!
at_exit "kill $milter_pid 2>/dev/null; wait $milter_pid 2>/dev/null"
n=0
while ! pf_listening "$MILTER_PORT"; do
    kill -0 "$milter_pid" 2>/dev/null || bail_out "tern milter exited: $(cat "$dir/milter.log")"
    [ $n -lt 600 ] || bail_out "tern milter does not listen under valgrind"
    sleep 0.1
    n=$((n + 1))
done
# Valgrind is slow: give the milter time before Postfix gives up on it.
PF_EXTRA_MAIN_CF='milter_command_timeout = 120s
milter_content_timeout = 600s' milter_postfix

sed 's/Hi {{contact.first_name}}/Hi {{greeting}}/' "$TERN_SRCDIR/tests/data/newsletter.eml" >"$dir/news.eml"
(
    for i in 1 2 3 4 5; do
        sleep 3
        kill -USR1 "$milter_pid" 2>/dev/null
    done
) &
reloader=$!
smtp-source -s 4 -m 1000 -f news@example.com -t zoe@example.org -F "$dir/news.eml" \
    "127.0.0.1:$PF_PORT" || bail_out "smtp-source failed"
wait $reloader
pf_wait_delivered 1000 600 || bail_out "not every message was delivered"

like "$(parts "$(last_delivered)" text)" "Hi Zoë" "the last of 1,000 messages is personalized by the hook"
is "$(grep -c 'serving generation' "$dir/milter.log")" 6 "five reloads happened while mail flowed"
kill -TERM "$milter_pid"
wait "$milter_pid"
status=$?
is "$status" 0 "valgrind found no memory error and no definite or indirect leak"
[ "$status" -eq 0 ] || diag "$(head -n 60 "$dir/valgrind.log")"

done_testing
