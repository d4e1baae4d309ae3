#!/bin/sh
# bench/track.sh - tern track clicks versus nginx `return 302`, side by side
#
# One run on this machine, the same wrk settings for both (keep-alive, 64
# connections, one wrk thread, DURATION seconds after a 2 s warm-up):
#   1. nginx (Debian nginx-light), 2 worker processes, answering
#      `return 302` to the same path;
#   2. tern track with 2 threads answering a valid /c/<token> click, with
#      durable recording on: every click appended to the spool and
#      fdatasync'ed (group commit) before its 302, and drained into a
#      private PostgreSQL with fsync on.
# Prints req/s and p99 latency of both and the ratio tern / nginx (goal
# >= 0.8), then waits for the drain and checks that the number of click
# events in PostgreSQL equals the number of 302s tern served (a click made
# durable whose client hung up before its answer, when wrk stops, is
# stored but not served; at most one per connection and wrk run). For context it also
# measures one fdatasync on the spool's file system (with 64 connections
# and durable-before-ack, req/s can never exceed 64 / that) and the same
# tracker with its spool on tmpfs (not durable).
#
# It also prints the CPU seconds per 10,000 clicks served of the tern track
# process and of every process of the cluster (the drain's backend), from
# the tracker's start until every click is in PostgreSQL: steadier than
# req/s on a shared machine.
#
# Usage: bench/track.sh [DURATION]   (TERN: the binary, default build/cli/tern;
#        PERF=FILE records the tracker and the cluster's processes with
#        `perf record --call-graph dwarf` during the measured durable run:
#        `perf report -i FILE --sort comm,dso,sym`)
set -eu
duration=${1:-10}
. "$(dirname "$0")/common.sh"
. "$top/tests/integration/track_fixture.sh"

for tool in nginx wrk curl python3; do
    command -v $tool >/dev/null || { echo "bench/track.sh: $tool is not installed" >&2; exit 1; }
done
work=$(mktemp -d "$TERN_TMPDIR/bench-track.XXXXXX")
chmod 755 "$work"
at_exit "rm -rf '$work'"

pg_tmp=$(mktemp -d "$(pg_scratch_root)/bench-track-pg.XXXXXX")
chmod 755 "$pg_tmp"
at_exit "pg_stop '$pg_tmp/pg'; rm -rf '$pg_tmp'"
pg_start "$pg_tmp/pg" durable || bail_out "cannot start PostgreSQL"
tern_conf "$work/tern.conf" "[log]
level = warning"
"$TERN" migrate >/dev/null
track_conf "threads = 2"
click=$("$TERN" token click 'https://shop.example/sale?utm_source=mail' --contact 42 \
    --message 0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0 --link 3 | sed 's|^https://t\.example\.com||')

# wrk_run URL: $rps, $p99, $requests, $non3xx of DURATION seconds after a warm-up
wrk_run() {
    wrk -t1 -c64 -d2s "$1" >/dev/null
    out=$(wrk -t1 -c64 -d"${duration}s" --latency "$1")
    rps=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ { print $2 }')
    p99=$(printf '%s\n' "$out" | awk '$1 == "99%" { print $2 }')
    requests=$(printf '%s\n' "$out" | awk '/requests in/ { print $1 }')
    non3xx=$(printf '%s\n' "$out" | awk '/Non-2xx or 3xx/ { print $5 }')
    errors=$(printf '%s\n' "$out" | awk '/Socket errors/ { print }')
}

load=$(cut -d' ' -f1-3 /proc/loadavg)

# --- nginx ---
nport=$(track_free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path $work/nginx;
    proxy_temp_path $work/nginx;
    server {
        listen 127.0.0.1:$nport;
        location / { return 302 https://shop.example/sale?utm_source=mail; }
    }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx"
at_exit "[ ! -f '$work/nginx/nginx.pid' ] || kill \$(cat '$work/nginx/nginx.pid')"
sleep 0.3
wrk_run "http://127.0.0.1:$nport$click"
nginx_rps=$rps nginx_p99=$p99
kill "$(cat "$work/nginx/nginx.pid")"

# CPU seconds so far of process $1 (its threads included).
proc_cpu() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / hz }' "/proc/$1/stat"
}

# --- tern track ---
track_start || bail_out "tern track did not start"
commits_sql="SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
tern_cpu0=$(proc_cpu "$TRACK_PID") pg_cpu0=$(server_cpu "$pg_tmp/pg") commits0=$(pg_sql "$commits_sql")
if [ -n "${PERF:-}" ]; then
    pm=$(head -n 1 "$pg_tmp/pg/data/postmaster.pid")
    (sleep 3; pids=$(ps -o pid= --ppid "$pm" | tr -d ' ' | tr '\n' ,)
     exec perf record -q --call-graph dwarf,16384 -F 499 -o "$PERF" -p "$pids$TRACK_PID" \
         -- sleep $((duration - 2))) &
    perf_pid=$!
fi
wrk_run "$TRACK_URL$click"
[ -z "${PERF:-}" ] || wait "$perf_pid" || :
tern_rps=$rps tern_p99=$p99 tern_requests=$requests tern_non3xx=${non3xx:-0} tern_errors=$errors
served=$(curl -s "$TRACK_URL/metrics" | awk '/endpoint="click",code="302"/ { print $2 }')
stored=$(track_wait_events email.click "$served")
i=0
while [ "$stored" -lt "$served" ] && [ $i -lt 120 ]; do
    sleep 1; i=$((i + 1)); stored=$(track_events email.click)
done
track_wait_drained
tern_cpu=$(echo "$(proc_cpu "$TRACK_PID") $tern_cpu0" | awk '{ print $1 - $2 }')
pg_cpu=$(echo "$(server_cpu "$pg_tmp/pg") $pg_cpu0" | awk '{ print $1 - $2 }')
sleep 1 # the statistics of the last transactions reach pg_stat_database
commits=$(($(pg_sql "$commits_sql") - commits0))
track_stop

# Where the time goes: one fdatasync on the spool's file system, and the
# same tracker with its spool on tmpfs (not durable: for comparison only).
sync_ms=$(python3 -c "
import os, time
fd = os.open('$TRACK_DIR/fsync.probe', os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
t = time.time()
for i in range(200):
    os.write(fd, b'x' * 400); os.fdatasync(fd)
print('%.2f' % ((time.time() - t) / 200 * 1000))")
shm=$(mktemp -d /dev/shm/tern-bench-track.XXXXXX)
at_exit "rm -rf '$shm'"
sed -i "s|^spool = .*|spool = $shm/spool|" "$TERN_CONFIG"
track_start || bail_out "tern track did not start on tmpfs"
wrk_run "$TRACK_URL$click"
shm_rps=$rps shm_p99=$p99
track_stop

ratio=$(echo "$tern_rps $nginx_rps" | awk '{ printf "%.2f", $1 / $2 }')
printf 'nginx return 302:        %10s req/s   p99 %s\n' "$nginx_rps" "$nginx_p99"
printf 'tern track /c/ (durable): %9s req/s   p99 %s\n' "$tern_rps" "$tern_p99"
printf 'ratio tern / nginx:      %10s   (goal >= 0.8)\n' "$ratio"
printf 'tern: %s requests in the measured run, %s not 302%s\n' "$tern_requests" "$tern_non3xx" \
    "${tern_errors:+; $tern_errors}"
printf 'fdatasync on the spool file system: %s ms; bound for 64 connections: %s req/s\n' \
    "$sync_ms" "$(echo "$sync_ms" | awk '{ printf "%.0f", 64000 / $1 }')"
printf 'tern track, spool on tmpfs (NOT durable, comparison only): %s req/s   p99 %s\n' \
    "$shm_rps" "$shm_p99"
printf 'CPU per 10,000 clicks (start to drained): tern %s s, cluster %s s (%s and %s s for %s clicks)\n' \
    "$(echo "$tern_cpu $served" | awk '{ printf "%.3f", $1 * 10000 / $2 }')" \
    "$(echo "$pg_cpu $served" | awk '{ printf "%.3f", $1 * 10000 / $2 }')" "$tern_cpu" "$pg_cpu" "$served"
printf 'transactions committed in the database meanwhile (drain batches and the rest): %s\n' "$commits"
printf 'load average before: %s\n' "$load"
# A click made durable whose client hung up before the answer (wrk stopping)
# is stored but not served: at most one per connection and wrk run (warm-up too).
extra=$((stored - served))
printf '302s served (warm-up included): %s; click events in PostgreSQL: %s; %s\n' "$served" \
    "$stored" "$([ $extra -eq 0 ] && echo equal || echo "$extra more events (durable, client gone before the 302)")"
[ $extra -ge 0 ] && [ $extra -le 128 ]
