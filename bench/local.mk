# bench/: side-by-side benchmarks (run by hand; see bench/README.md).
EXTRA_DIST += bench/README.md bench/RESULTS.md bench/common.sh bench/import.sh \
	bench/engine_steps.sh bench/engine_steps bench/engine_segments.sh bench/engine_intake.sh bench/engine.sh \
	bench/engine_send.sh

# Benchmark programs: built on demand (`make bench/NAME`) by their scripts.
EXTRA_PROGRAMS = bench/render_bench
bench_render_bench_CPPFLAGS = $(UNIT_CPPFLAGS)
bench_render_bench_LDADD = $(TERN_LIBS)
EXTRA_DIST += bench/render.sh bench/render/gen.js bench/render/mustachejs.js \
	bench/render/package.json
EXTRA_PROGRAMS += bench/hook_bench
bench_hook_bench_CPPFLAGS = $(UNIT_CPPFLAGS) $(LUA_CFLAGS)
bench_hook_bench_LDADD = $(LH_LIBS)
EXTRA_DIST += bench/hook.sh
EXTRA_DIST += bench/track.sh bench/cpu_groups.sh
EXTRA_PROGRAMS += bench/record_bench
bench_record_bench_CPPFLAGS = $(UNIT_CPPFLAGS)
bench_record_bench_LDADD = $(TERN_LIBS)
EXTRA_DIST += bench/record.sh
CLEANFILES += $(EXTRA_PROGRAMS)
EXTRA_PROGRAMS += bench/milter_bench
bench_milter_bench_SOURCES = bench/milter_bench.c tests/unit/milter_harness.c \
	tests/unit/milter_harness.h
bench_milter_bench_CPPFLAGS = $(MILTER_TEST_CPPFLAGS) -I$(top_srcdir)/tests/unit
bench_milter_bench_LDADD = $(MILTER_TERN_LIBS)
