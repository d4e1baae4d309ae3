# engine_fixture.sh - a private database, a scripts tree and one contact for engine tests
#
# engine_setup: tern_test_db, then $dir/scripts/journeys/ (write journeys with
# engine_journey NAME <<'LUA'), a config with [engine] pointing there, and
# contact ann@example.com ($ann: her id).
# engine_segment FILE <<'LUA': write $dir/scripts/segments/FILE.lua.
# engine_once: run `tern engine --once` (status in $status, stderr in $err).
# engine_due NAME: make every waiting enrollment of journey NAME due now, as
# if its wait had passed.

engine_setup() {
    tern_test_db
    mkdir -p "$dir/scripts/journeys" "$dir/templates"
    printf '\n[engine]\nscripts = %s\ntemplates = %s\n' "$dir/scripts" "$dir/templates" \
        >>"$TERN_CONFIG"
    ann=$(pg_sql "INSERT INTO tern.contacts (email, attributes)
                  VALUES ('ann@example.com', '{\"first_name\": \"Ann\"}') RETURNING id")
}

engine_journey() {
    cat >"$dir/scripts/journeys/$1.lua"
}

engine_segment() {
    mkdir -p "$dir/scripts/segments"
    cat >"$dir/scripts/segments/$1.lua"
}

engine_once() {
    run_tern engine --once --no-send
    [ "$status" -eq 0 ] || diag "tern engine --once: status $status" "$err"
}

engine_due() {
    pg_sql "UPDATE tern.enrollments SET wake_at = now() - interval '1 second'
             WHERE journey = '$1' AND status = 'waiting'"
}

# The enrollment of ann in journey NAME: "status step wait_event".
engine_state() {
    pg_sql "SELECT status || ' ' || step || ' ' || coalesce(wait_event, '-')
              FROM tern.enrollments WHERE contact_id = $ann AND journey = '$1'
             ORDER BY id DESC LIMIT 1"
}
