# bench/common.sh - what the PostgreSQL benchmarks share (sourced by bench/*.sh)
#
# Sourcing it sets $top (the source tree), TERN (default build/cli/tern),
# TERN_SRCDIR and TERN_TMPDIR (bench/out, created) and sources the test
# fixtures tap.sh, pg.sh and tern.sh. With $work set (the cluster in $work/pg,
# scratch files in $work), leg NAME COMMAND... checkpoints, runs COMMAND
# and writes "wall0 wall1 client0 client1 server0 server1" to $work/NAME,
# where client is this shell's finished children (COMMAND itself) and
# server every process of the cluster.

top=$(cd "$(dirname "$0")/.." && pwd)
TERN=${TERN:-$top/build/cli/tern}
TERN_SRCDIR=$top
TERN_TMPDIR=${TERN_TMPDIR:-$top/bench/out}
export TERN TERN_SRCDIR TERN_TMPDIR
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/pg.sh"
. "$top/tests/lib/tern.sh"
mkdir -p "$TERN_TMPDIR"

# bench_cluster NAME: $work, a scratch dir removed at exit, with a durable
# private cluster in $work/pg (fsync on, as in production).
bench_cluster() {
    work=$(mktemp -d "$(pg_scratch_root)/bench-$1.XXXXXX")
    chmod 755 "$work"
    at_exit "pg_stop '$work/pg'; rm -rf '$work'"
    pg_start "$work/pg" durable
}

now() { date +%s.%N; }

# CPU seconds of the cluster so far (in $work/pg, or the cluster directory
# $1): live processes, plus the postmaster's reaped children (backends that
# have exited).
server_cpu() {
    pm=$(head -n 1 "${1:-$work/pg}/data/postmaster.pid")
    { cat "/proc/$pm/stat"; for c in $(ps -o pid= --ppid "$pm"); do cat "/proc/$c/stat" 2>/dev/null || :; done; } |
        awk -v pm="$pm" -v hz="$(getconf CLK_TCK)" '
            { s += $14 + $15; if ($1 == pm) s += $16 + $17 } END { printf "%.2f\n", s / hz }'
}

# CPU seconds of this shell's finished children, from `times` (its second
# line), which must run in this shell, not in a $(...) subshell.
children_cpu() {
    awk 'NR == 2 { split($1, u, "m"); split($2, s, "m"); printf "%.2f\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$1"
}

leg() {
    name=$1; shift
    pg_sql CHECKPOINT
    s0=$(server_cpu) t0=$(now)
    times >"$work/times0"
    "$@"
    times >"$work/times1"
    t1=$(now)
    sleep 1 # let the backends exit and be reaped, so their CPU time is counted
    s1=$(server_cpu)
    echo "$t0 $t1 $(children_cpu "$work/times0") $(children_cpu "$work/times1") $s0 $s1" >"$work/$name"
}
