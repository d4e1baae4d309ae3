#!/bin/sh
# hook.sh - the cost of an empty `hook "message"` per message, against a
# direct C function call.
#
# Runs N messages (default 1000000) through an empty message hook the way
# the milter does (lease a pooled state, run the hooks, release it), then
# calls an empty C function through a pointer N times, and prints the time
# per message of both and their ratio. Goal: the Lua hook < 5 us.
# Usage, from the top of the tree after building into build/:
#     bench/hook.sh [N]
set -eu
n=${1:-1000000}
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

make -s -C "$build" bench/hook_bench >/dev/null 2>&1 ||
    { echo "hook.sh: cannot build bench/hook_bench in $build" >&2; exit 1; }
printf 'hook "message" (function(m) end)\n' >"$work/hook.lua"

set -- $("$build/bench/hook_bench" "$work" "$n" 2>/dev/null)
lua_ns=$1 c_ns=$2
printf 'messages: %s, one empty hook each\n' "$n"
printf 'C function call          %10s ns per message\n' "$c_ns"
printf 'Lua hook (lease+run+rel) %10s ns per message\n' "$lua_ns"
awk -v l="$lua_ns" -v c="$c_ns" 'BEGIN {
    printf "ratio Lua/C: %.0f; Lua hook %.2f us per message (goal < 5 us): %s\n",
        l / c, l / 1000, l < 5000 ? "met" : "NOT met" }'
