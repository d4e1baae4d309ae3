#!/bin/sh
# bench/engine.sh - the engine issue's three benchmarks in one go
#
# Runs, one after the other, each with its own reference side by side:
#   engine_steps.sh    step transitions per second (100,000 contacts)
#   engine_segments.sh SQL and Lua segment refresh (1,000,000 contacts)
#   engine_send.sh     the sender into Postfix against smtp-source (as root)
# and stops at the first that fails. Each prints its own figures and ratio.
#
# Usage: bench/engine.sh [CONTACTS [SEGMENT_ROWS [MAILS]]]
#        (defaults 100000, 1000000, 5000; TERN: the binary)
set -eu
here=$(dirname "$0")
echo "== engine: steps"
sh "$here/engine_steps.sh" "${1:-100000}"
echo "== engine: segments"
sh "$here/engine_segments.sh" "${2:-1000000}"
echo "== engine: sending"
sh "$here/engine_send.sh" "${3:-5000}"
