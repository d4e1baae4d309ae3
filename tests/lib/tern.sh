# tern.sh - helpers for tests that run the tern binary
#
# tern_conf FILE [EXTRA INI TEXT]: write a valid tern.conf pointing at the
# private cluster ($TERN_DB_URL), with a fixed test key.

TERN_TEST_KEY='k1:dGVybi10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2hpams='

tern_conf() {
    cat >"$1" <<CONF
[database]
url = ${TERN_DB_URL:-postgresql:///tern}
statement_timeout = 30s
[keys]
hmac = $TERN_TEST_KEY
[track]
base_url = https://t.example.com
CONF
    [ -z "${2:-}" ] || printf '%s\n' "$2" >>"$1"
    TERN_CONFIG=$1
    export TERN_CONFIG
}

# run_tern ARGS...: run tern, capture stdout/stderr/status in
# $out, $err and $status (never fails the script).
run_tern() {
    tern_out=$(mktemp) tern_err=$(mktemp)
    "$TERN" "$@" >"$tern_out" 2>"$tern_err"
    status=$?
    out=$(cat "$tern_out") err=$(cat "$tern_err")
    rm -f "$tern_out" "$tern_err"
}

# tern_test_db: a private cluster with the schema migrated and a config
# pointing at it; sets $dir to a scratch directory removed at exit.
# Needs tap.sh and pg.sh sourced first.
tern_test_db() {
    pg_start_temp || bail_out "cannot start PostgreSQL"
    dir=$(tap_tmpdir)
    at_exit "rm -rf '$dir'"
    tern_conf "$dir/tern.conf"
    "$TERN" migrate >/dev/null || bail_out "tern migrate failed"
}
