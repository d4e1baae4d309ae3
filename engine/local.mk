# engine/: the journey runtime (pure), the in-memory store and the simulated
# timeline behind `tern simulate`. Depends on lua/ and lib/ only.
noinst_LIBRARIES += engine/libengine.a
engine_libengine_a_CPPFLAGS = $(AM_CPPFLAGS) $(LUA_CFLAGS) $(JANSSON_CFLAGS) $(PQ_CFLAGS) $(CURL_CFLAGS)
engine_libengine_a_SOURCES = \
	engine/en.h engine/en_int.h \
	engine/en_step.c engine/en_lua.c engine/en_filter.c \
	engine/en_rules.h engine/en_rules.c \
	engine/en_time.h engine/en_time.c \
	engine/en_tz.h engine/en_tz.c \
	engine/en_window.h engine/en_window.c \
	engine/en_mem.h engine/en_mem.c \
	engine/en_sim.h engine/en_sim.c engine/en_simspec.c \
	engine/en_pg.h engine/en_pg_int.h engine/en_pg.c engine/en_pg_intake.c \
	engine/en_notes.h engine/en_notes.c engine/en_pg_claim.c engine/en_pg_batch.c engine/en_pg_effects.c engine/en_pg_shard.c engine/en_pg_prune.c \
	engine/en_seg.h engine/en_seg_int.h engine/en_pg_segment.c engine/en_pg_segsql.c \
	engine/en_pg_seglua.c engine/en_pg_seground.c engine/en_pg_segchunk.c \
	engine/en_sched.h engine/en_sched.c \
	engine/en_send.h engine/en_send_int.h engine/en_send.c engine/en_send_msg.c \
	engine/en_send_smtp.c
# simulate{...} for the *_test.lua files `tern test` runs.
engine_libengine_a_SOURCES += engine/en_simlua.h engine/en_simlua.c
TESTS += tests/integration/test_simulate.t
EXTRA_DIST += tests/integration/test_simulate.t tests/lua/simulate
EXTRA_DIST += engine/README.md

# What a program linking the engine needs.
ENGINE_LIBS = engine/libengine.a $(LH_LIBS) $(CURL_LIBS) -lm

# Unit tests; their script trees live in tests/lua/engine/.
EXTRA_DIST += tests/unit/engine_fixture.h
ENGINE_TESTS = tests/unit/engine_step_test tests/unit/engine_sim_test tests/unit/engine_time_test \
	tests/unit/engine_rules_test tests/unit/engine_send_test
check_PROGRAMS += $(ENGINE_TESTS)
TESTS += $(ENGINE_TESTS)
tests_unit_engine_step_test_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_unit_engine_step_test_LDADD = $(ENGINE_LIBS)
tests_unit_engine_sim_test_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_unit_engine_sim_test_LDADD = $(ENGINE_LIBS)
tests_unit_engine_time_test_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_unit_engine_time_test_LDADD = $(ENGINE_LIBS)
tests_unit_engine_rules_test_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_unit_engine_rules_test_LDADD = $(ENGINE_LIBS)
tests_unit_engine_send_test_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_unit_engine_send_test_LDADD = $(ENGINE_LIBS)

# The shipped double opt-in journey and its templates (run by simulate.t).
EXTRA_DIST += scripts/journeys/double_opt_in.lua templates/doi-confirm.tpl templates/doi-reminder.tpl

# tern engine against a private PostgreSQL (intake, claim, commit, errors).
ENGINE_PG_TESTS = tests/integration/engine_journeys.t tests/integration/engine_postfix.t \
	tests/integration/engine_valgrind.t \
	tests/integration/engine_intake.t tests/integration/engine_concurrency.t \
	tests/integration/engine_daemon.t tests/integration/engine_rules.t \
	tests/integration/engine_send.t \
	tests/integration/engine_segments.t tests/integration/engine_segment_chunks.t \
	tests/integration/engine_batch.t tests/integration/engine_shards.t \
	tests/integration/engine_idempotency.t tests/integration/engine_rejects.t \
	tests/integration/engine_partitions.t
TESTS += $(ENGINE_PG_TESTS)
EXTRA_DIST += $(ENGINE_PG_TESTS) tests/integration/engine_fixture.sh
