# bench/: side-by-side benchmarks (run by hand; see bench/README.md).
EXTRA_DIST += bench/README.md bench/RESULTS.md bench/import.sh
