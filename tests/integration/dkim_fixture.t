#!/bin/sh
# dkim_fixture.t - the OpenDKIM fixture signs what Postfix delivers, and the
# independent verifier accepts that signature and refuses a changed body.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/postfix.sh"
. "$TERN_SRCDIR/tests/lib/dkim.sh"
pf_require
dkim_require
dir=$(tap_tmpdir)
at_exit "rm -rf '$dir'"

port=$(pf_free_port)
dkim_start "$dir/dkim" "$port" || bail_out "cannot start opendkim"
PF_SMTPD_MILTERS=inet:127.0.0.1:$port pf_start "$dir/pf" || bail_out "cannot start Postfix"

pf_send --from news@example.com --to zoe@example.org --header 'Subject: signed' \
    --body 'A body that is signed.' >/dev/null
pf_wait_delivered 1 || bail_out "not delivered"
got=$(pf_sink_files | tail -n 1)

like "$(cat "$got")" "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com" \
    "opendkim signs mail from a loopback client"
why=$(dkim_verify "$got")
tap_result $? "the verifier accepts the delivered message's signature"
[ -z "$why" ] || diag "$why"
sed 's/A body that is signed\./A body that was changed./' "$got" >"$dir/changed"
dkim_verify "$dir/changed" >/dev/null
tap_result $((! $?)) "the verifier refuses the signature once the body changed"

done_testing
