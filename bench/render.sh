#!/bin/sh
# render.sh - Tern's Mustache engine versus mustache.js, side by side.
#
# Renders the same ~60 KB newsletter (50 variables, 3 sections, a partial)
# with the same view N times (default 10000) in each, compiled once, and
# prints renders per second for both and the ratio. Goal: Tern >= 5x.
# Needs node and npm (mustache.js is installed into a scratch directory).
# Usage, from the top of the tree after building into build/:
#     bench/render.sh [N]
set -eu
n=${1:-10000}
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

make -s -C "$build" bench/render_bench >/dev/null
cp "$top/bench/render/package.json" "$work/"
(cd "$work" && npm install --silent --no-audit --no-fund >/dev/null 2>&1) ||
    { echo "render.sh: npm install mustache failed" >&2; exit 1; }
node "$top/bench/render/gen.js" "$work"

set -- $("$build/bench/render_bench" "$work" "$n")
tern_rate=$1 tern_bytes=$2
set -- $(NODE_PATH="$work/node_modules" node "$top/bench/render/mustachejs.js" "$work" "$n")
js_rate=$1 js_bytes=$2

printf 'template: %s bytes, output: tern %s bytes, mustache.js %s characters, %s renders each\n' \
    "$(wc -c <"$work/newsletter.mustache")" "$tern_bytes" "$js_bytes" "$n"
printf 'mustache.js %10s renders/s\n' "$js_rate"
printf 'tern        %10s renders/s\n' "$tern_rate"
awk -v t="$tern_rate" -v j="$js_rate" 'BEGIN { printf "ratio tern/mustache.js: %.2f (goal >= 5)\n", t / j }'
