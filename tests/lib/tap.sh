# tap.sh - TAP helpers for shell integration tests
#
# Source it from a *.t script:  . "$TERN_SRCDIR/tests/lib/tap.sh"
# Then: ok CMD... / is GOT WANT NAME / like GOT PATTERN NAME / done_testing.
# Each assertion prints "ok N - name" or "not ok N - name" plus diagnostics.
# A test script asserts one behaviour per assertion and names it after it.

tap_n=0
tap_failed=0

diag() { for line in "$@"; do printf '%s\n' "$line" | sed 's/^/# /'; done; }

tap_result() { # STATUS NAME
    tap_n=$((tap_n + 1))
    if [ "$1" -eq 0 ]; then
        printf 'ok %d - %s\n' "$tap_n" "$2"
    else
        printf 'not ok %d - %s\n' "$tap_n" "$2"
        tap_failed=$((tap_failed + 1))
    fi
}

# ok NAME CMD [ARGS...]: passes when CMD exits 0.
ok() {
    name=$1; shift
    "$@"; tap_result $? "$name"
}

# is GOT WANT NAME: exact string comparison.
is() {
    if [ "$1" = "$2" ]; then tap_result 0 "$3"; else
        tap_result 1 "$3"; diag "got:  $1" "want: $2"; fi
}

# like GOT GREP-PATTERN NAME: passes when GOT matches the extended regex.
like() {
    if printf '%s' "$1" | grep -Eq -- "$2"; then tap_result 0 "$3"; else
        tap_result 1 "$3"; diag "got:  $1" "want match: $2"; fi
}

# unlike GOT GREP-PATTERN NAME: passes when GOT does not match.
unlike() {
    if printf '%s' "$1" | grep -Eq -- "$2"; then
        tap_result 1 "$3"; diag "got:  $1" "must not match: $2"; else tap_result 0 "$3"; fi
}

# alive PID: the process runs (kill -0 also succeeds on an exited child not yet reaped).
alive() {
    kill -0 "$1" 2>/dev/null && ! grep -q ') Z ' "/proc/$1/stat" 2>/dev/null
}

skip_all() { printf '1..0 # SKIP %s\n' "$1"; exit 0; }

bail_out() { printf 'Bail out! %s\n' "$1"; exit 1; }

done_testing() {
    printf '1..%d\n' "$tap_n"
    [ "$tap_failed" -eq 0 ]
}

# A fresh scratch directory for this test script (mode 700). The caller
# removes it, typically with at_exit "rm -rf '$dir'".
tap_tmpdir() {
    base=${TERN_TMPDIR:-${TMPDIR:-/tmp}}
    mkdir -p "$base"
    mktemp -d "$base/$(basename "$0" .t).XXXXXX"
}

# at_exit CMD: run CMD when the script exits (also on failure or a signal).
# Handlers run in reverse order of registration, like a stack of defers;
# every one runs even when an earlier one fails (set -e is off in the trap).
tap_exit_cmds=''
at_exit() {
    tap_exit_cmds="$1; $tap_exit_cmds"
    trap 'tap_status=$?; set +e; eval "$tap_exit_cmds"; exit $tap_status' EXIT
    trap 'exit 130' INT TERM HUP
}
