#!/bin/sh
# record.sh - encoding a click record: the spool's encoder versus the jansson
# tree it replaced, side by side in one program (bench/record_bench.c).
# Usage, from the top of the tree after building into build/:
#     bench/record.sh [N]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
make -s -C "$build" bench/record_bench >/dev/null
"$build/bench/record_bench" "${1:-200000}"
