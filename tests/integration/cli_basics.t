#!/bin/sh
# The tern CLI's plumbing: help for every command, check-config, usage
# errors, and a database that is down at start.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"

dir=$(tap_tmpdir)
at_exit "rm -rf '$dir'"

run_tern --help
is "$status" 0 "tern --help succeeds"
help=$out
for cmd in migrate check-config contacts event token render; do
    like "$help" "  $cmd " "tern --help lists $cmd"
    run_tern "$cmd" --help
    is "$status" 0 "tern $cmd --help succeeds"
    like "$out" "usage: tern \\[-c FILE\\] $cmd" "tern $cmd --help shows its usage"
done

run_tern frobnicate
is "$status" 2 "an unknown command is a usage error"
like "$err" 'unknown command "frobnicate"' "unknown command is named"

TERN_DB_URL="postgresql:///tern?host=$dir/nowhere&port=1"
tern_conf "$dir/good.conf"
run_tern check-config
is "$status" 0 "check-config accepts a valid file"
like "$out" "good.conf: ok" "check-config says the file is ok"
tern_conf "$dir/nodirs.conf" "[engine]
scripts = $dir/no/scripts
templates = $dir/no/templates"
run_tern check-config
is "$status" 0 "check-config accepts a file whose script and template folders are missing"
like "$err" "note: engine.scripts $dir/no/scripts is not a directory: tern engine will not start" \
    "but notes the missing scripts folder"
like "$err" "note: engine.templates $dir/no/templates is not a directory" "and templates folder"
tern_conf "$dir/good.conf"

printf '[database]\nurl = postgresql:///x\npool = 3\n[keys]\nhmac = k1:c2hvcnQ=\n' >"$dir/bad.conf"
run_tern -c "$dir/bad.conf" check-config
is "$status" 1 "check-config rejects a bad file"
like "$err" "bad.conf:3: \\[database\\] unknown key \"pool\"" "unknown key reported with file:line"
like "$err" "bad.conf:5: \\[keys\\] hmac: secret is 5 bytes" "short key reported with file:line"
like "$err" "\\[track\\] base_url is required" "missing required key reported"

mkdir -p "$dir/scripts/journeys" "$dir/templates"
printf 'local j = journey "w" { entry = on "a.b" }\nfunction j.start(c) return c:exit() end\nreturn j\n' \
    >"$dir/scripts/journeys/w.lua"
printf 'subject: Hi\n\n--- text\nHello {{contact.first_name}}\n' >"$dir/templates/hi.tpl"
tern_conf "$dir/trees.conf" "[engine]
scripts = $dir/scripts
templates = $dir/templates"
run_tern check-config
is "$status" 0 "check-config accepts the scripts and templates it names"
printf 'local j = journey "x" { entry = on "a.b" }\n' >"$dir/scripts/journeys/x.lua"
printf 'subject: Hi\n\n--- text\n{{#open}} never closed\n' >"$dir/templates/bad.tpl"
run_tern check-config
is "$status" 1 "check-config fails on a script or template that does not load"
like "$out" "journeys/x.lua:1: journey \"x\": has no start step" "naming the script's file:line"
like "$out" "bad.tpl" "and the template's file"
TERN_CONFIG=$dir/good.conf

tern_conf "$dir/nopages.conf" "[track]
pages = $dir/no/pages"
run_tern check-config
is "$status" 1 "check-config fails on a track.pages folder that does not exist"
like "$out" "track.pages $dir/no/pages: No such file or directory" "naming the folder"
mkdir -p "$dir/pages"
printf '<p>\n{{#list}} never closed\n' >"$dir/pages/unsubscribe.mustache"
tern_conf "$dir/badpages.conf" "[track]
pages = $dir/pages"
run_tern check-config
is "$status" 1 "check-config fails on a tracker page that does not compile"
like "$out" "pages/unsubscribe.mustache: line 2" "naming the page's file and line"
TERN_CONFIG=$dir/good.conf

run_tern -c "$dir/missing.conf" check-config
is "$status" 1 "check-config fails on a missing file"
like "$err" "missing.conf: cannot open: No such file or directory" "missing file explained"

run_tern check-config --defaults
is "$status" 0 "check-config --defaults succeeds"
like "$out" "statement_timeout = 5s" "defaults list every key with its default"

run_tern migrate
is "$status" 1 "migrate against a database that is down fails"
like "$err" "cannot connect to PostgreSQL: .*nowhere" "database down is explained, naming where it looked"
unlike "$err" "Segmentation|Aborted|AddressSanitizer" "database down is not a crash"

run_tern event order.placed
is "$status" 2 "event without --email or --contact is a usage error"
run_tern event Order --email a@example.com
is "$status" 2 "event with a bad type is a usage error"
like "$err" "event type must start with a lower-case letter" "bad event type explained"
run_tern event order.placed --email a@example.com --data '[1]'
is "$status" 2 "event data that is not an object is a usage error"
like "$err" "data must be a JSON object" "non-object data explained"

done_testing
