#!/bin/sh
# bench/milter.sh - Postfix throughput: no milter, a no-op milter, tern milter
#
# smtp-source (20 sessions) -> a private Postfix -> smtp-sink (discarding), COUNT copies
# (default 2000) of a ~60 KB HTML+text newsletter with 40 links, one
# recipient each:
#   1. no milter;
#   2. bench/noop_milter.c: libmilter, reads every header and body chunk,
#      negotiates like tern (no reply but at end of message), changes nothing;
#      then the same milter handing every body back (smfi_replacebody), as
#      tern does, so Postfix's cost of a new body is in that reference too;
#   3. tern milter managing every message (render, links, pixel, headers,
#      record to the spool, contact from a private PostgreSQL).
# Prints msg/s for each (and the whole machine's CPU per message, with how
# busy both cores were), the ratios tern / no-op (goal >= 0.9) and tern /
# replacing no-op, tern's CPU time per message and PostgreSQL's (the record
# drain; the contact comes from the cache), then the same message's CPU in-process
# (bench/milter_bench: the callbacks without libmilter, sockets, database
# or spool). Needs root, postfix, smtp-source, smtp-sink.
#
# Usage: bench/milter.sh [COUNT]   (TERN: the binary, default build/cli/tern;
#        TERN_PERF=FILE runs tern under `perf record -g` (or TERN_PERF_ARGS)
#        into FILE, and the
#        CPU-per-message line then reads perf's process, not tern's;
#        TERN_WRAP=COMMAND runs tern under COMMAND, e.g. valgrind
#        --tool=callgrind for instruction counts that do not depend on the
#        load; TERN_ONLY=1 skips the no-milter and no-op legs, for profiling)
set -eu
count=${1:-2000}
. "$(dirname "$0")/common.sh"
BUILD=$(dirname "$(dirname "$TERN")")
. "$top/tests/lib/postfix.sh"
. "$top/bench/cpu_groups.sh"

work=$(mktemp -d "$TERN_TMPDIR/bench-milter.XXXXXX")
chmod 755 "$work"
at_exit "rm -rf '$work'"
python3 "$top/bench/milter_newsletter.py" "$work/news.eml"
cc -O2 -o "$work/noop_milter" "$top/bench/noop_milter.c" $(pkg-config --cflags --libs milter) -lpthread

now() { date +%s.%N; }
# The machine's busy CPU ticks (user, nice, system, irq, softirq; both cores).
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

# run NAME MILTER: sets $rate to the msg/s of COUNT messages through a fresh instance
# (pf_start must run in this shell, not in $(...)) and $machine to the whole machine's
# CPU time per accepted message (every process: Postfix, the milter, smtp-source, smtp-sink).
run() {
    PF_SMTPD_MILTERS=$2 PF_MILTER_DEFAULT_ACTION=tempfail PF_SINK_DISCARD=1 \
        PF_EXTRA_MAIN_CF="milter_protocol = 6" pf_start "$work/pf-$1" >/dev/null ||
        bail_out "cannot start Postfix"
    smtp-source -s 20 -m 20 -F "$work/news.eml" -f news@example.com -t zoe@example.org \
        "127.0.0.1:$PF_PORT" # warm-up
    cpu_snapshot "$work/cpu0-$1"
    b0=$(busy) t0=$(now)
    smtp-source -s 20 -m "$count" -F "$work/news.eml" -f news@example.com -t zoe@example.org \
        "127.0.0.1:$PF_PORT"
    t1=$(now) b1=$(busy)
    pf_wait_delivered $((count + 20)) 300 || echo "# $1: not everything was delivered" >&2
    cpu_snapshot "$work/cpu1-$1"
    groups=$(cpu_groups "$work/cpu0-$1" "$work/cpu1-$1" "$count")
    pf_stop >/dev/null 2>&1 || true
    rate=$(echo "$count $t0 $t1" | awk '{ printf "%.1f", $1 / ($3 - $2) }')
    machine=$(echo "$b0 $b1 $count $(getconf CLK_TCK) $t0 $t1" |
        awk '{ printf "%.2f ms CPU per message, %.0f%% of both cores busy", ($2 - $1) * 1000 / $4 / $3,
               ($2 - $1) / $4 / ($6 - $5) / 2 * 100 }')
}

port=$(pf_free_port)
"$work/noop_milter" "inet:$port@127.0.0.1" >"$work/noop.log" 2>&1 &
noop_pid=$!
at_exit "kill $noop_pid 2>/dev/null"
rport=$(pf_free_port)
"$work/noop_milter" "inet:$rport@127.0.0.1" replace >"$work/noop-replace.log" 2>&1 &
replace_pid=$!
at_exit "kill $replace_pid 2>/dev/null"
sleep 0.3

if [ -z "${TERN_ONLY:-}" ]; then
    run none ""
    none=$rate m_none=$machine g_none=$groups
    run noop "inet:127.0.0.1:$port"
    noop=$rate m_noop=$machine g_noop=$groups
    run replace "inet:127.0.0.1:$rport"
    replacing=$rate m_replacing=$machine g_replacing=$groups
    echo "no milter:    $none msg/s (machine: $m_none)"
    echo "no-op milter: $noop msg/s ($(echo "$noop $none" | awk '{ printf "%.2f", $1 / $2 }') of no milter; machine: $m_noop)"
    echo "no-op milter handing the body back: $replacing msg/s ($(echo "$replacing $noop" | awk '{ printf "%.2f", $1 / $2 }') of no-op; machine: $m_replacing)"
    echo "  CPU per message by process group: no milter: $g_none"
    echo "  no-op milter: $g_noop"
    echo "  no-op milter handing the body back: $g_replacing"
fi
noop=${noop:-0} replacing=${replacing:-0}

if ! "$TERN" milter --help >/dev/null 2>&1; then
    echo "tern milter:  not built (no 'tern milter' command)"
    exit 0
fi
pg_start_temp || bail_out "cannot start PostgreSQL"
tport=$(pf_free_port)
tern_conf "$work/tern.conf" "[milter]
socket = inet:$tport@127.0.0.1
spool = $work/spool
[engine]
scripts = $work/no-scripts"
"$TERN" migrate >/dev/null
printf 'email,first_name\nzoe@example.org,Zoe\n' >"$work/c.csv"
"$TERN" contacts import "$work/c.csv" >/dev/null
${TERN_PERF:+perf record ${TERN_PERF_ARGS:--g} -o "$TERN_PERF"} ${TERN_WRAP:-} "$TERN" milter >"$work/milter.log" 2>&1 &
tern_pid=$!
at_exit "kill $tern_pid 2>/dev/null"
n=0
until ss -ltn "sport = :$tport" | grep -q LISTEN || [ $n -ge 600 ]; do # slow under TERN_WRAP
    sleep 0.1
    n=$((n + 1))
done
cpu() { awk '{ print $14 + $15 }' "/proc/$tern_pid/stat"; }
# The cluster's CPU ticks: its live processes, plus the postmaster's reaped children.
pg_cpu() {
    pm=$(head -n 1 "$pg_tmp/pg/data/postmaster.pid")
    { cat "/proc/$pm/stat"; for c in $(ps -o pid= --ppid "$pm"); do cat "/proc/$c/stat" 2>/dev/null || :; done; } |
        awk -v pm="$pm" '{ s += $14 + $15; if ($1 == pm) s += $16 + $17 } END { print s }'
}
c0=$(cpu) p0=$(pg_cpu)
run tern "inet:127.0.0.1:$tport"
tern=$rate
c1=$(cpu)
sleep 0.5 # the drain's last batch
p1=$(pg_cpu)
hz=$(getconf CLK_TCK)
echo "tern milter:  $tern msg/s (machine: $machine)"
echo "  CPU per message by process group: $groups"
if [ -z "${TERN_ONLY:-}" ]; then
    echo "ratio tern / no-op: $(echo "$tern $noop" | awk '{ printf "%.2f", $1 / $2 }') (goal >= 0.9)"
    echo "ratio tern / no-op handing the body back: $(echo "$tern $replacing" | awk '{ printf "%.2f", $1 / $2 }')"
fi
echo "tern CPU per message: $(echo "$c0 $c1 $hz $count" | awk '{ printf "%.2f ms", ($2 - $1) * 1000 / $3 / ($4 + 20) }')"
echo "PostgreSQL CPU per message (the record drain): $(echo "$p0 $p1 $hz $count" | awk '{ printf "%.2f ms", ($2 - $1) * 1000 / $3 / ($4 + 20) }')"
if make -s -C "$BUILD" bench/milter_bench >/dev/null 2>&1; then
    echo "tern in-process: $("$BUILD/bench/milter_bench" "$work/news.eml" "$count" 2>/dev/null) us CPU per message"
fi
