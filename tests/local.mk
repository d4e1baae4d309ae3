# tests/: TAP everywhere. C unit tests are programs printing TAP; integration
# tests are *.t shell scripts using tests/lib/*.sh fixtures (a private
# PostgreSQL cluster, a private Postfix). automake's TAP driver runs both.

TAP_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
LOG_DRIVER = $(TAP_DRIVER)
T_LOG_DRIVER = $(TAP_DRIVER)
TEST_EXTENSIONS = .t

# Everything a test needs to find: the binary, the sources, a scratch dir.
AM_TESTS_ENVIRONMENT = \
	TERN='$(abs_top_builddir)/cli/tern'; export TERN; \
	TERN_SRCDIR='$(abs_top_srcdir)'; export TERN_SRCDIR; \
	TERN_BUILDDIR='$(abs_top_builddir)'; export TERN_BUILDDIR; \
	TERN_TMPDIR='$(abs_top_builddir)/tests/tmp'; export TERN_TMPDIR; \
	PG_BINDIR='$(PG_BINDIR)'; export PG_BINDIR; \
	TERN_CONFORMANCE='$(abs_top_srcdir)/tests/conformance'; export TERN_CONFORMANCE;

UNIT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests $(PQ_CFLAGS) $(JANSSON_CFLAGS)


EXTRA_DIST += tests/tap.h tests/README.md tests/lib

clean-local: clean-test-tmp
clean-test-tmp:
	-rm -rf tests/tmp
.PHONY: clean-test-tmp

check_PROGRAMS += tests/unit/config_test
tests_unit_config_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_config_test_LDADD = $(TERN_LIBS)
TESTS += tests/unit/config_test

check_PROGRAMS += tests/unit/tenant_test
tests_unit_tenant_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_tenant_test_LDADD = $(TERN_LIBS)
TESTS += tests/unit/tenant_test

TESTS += tests/integration/migrate.t tests/integration/pg_fixture_deep.t
EXTRA_DIST += tests/integration/migrate.t tests/integration/pg_fixture_deep.t
TESTS += tests/integration/schema_steps.t tests/integration/schema_outbox.t
EXTRA_DIST += tests/integration/schema_steps.t tests/integration/schema_outbox.t
TESTS += tests/integration/cli_basics.t tests/integration/event.t
EXTRA_DIST += tests/integration/cli_basics.t tests/integration/event.t

# C integration tests: a .t wrapper starts the fixtures, then runs the program.
check_PROGRAMS += tests/integration/schema_test
tests_integration_schema_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_integration_schema_test_LDADD = $(TERN_LIBS)
TESTS += tests/integration/schema.t tests/integration/segment_memberships_contact.t
EXTRA_DIST += tests/integration/schema.t tests/integration/segment_memberships_contact.t
TESTS += tests/integration/import.t
EXTRA_DIST += tests/integration/import.t

check_PROGRAMS += tests/integration/db_pool_test
tests_integration_db_pool_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_integration_db_pool_test_LDADD = $(TERN_LIBS)
TESTS += tests/integration/db_pool.t
EXTRA_DIST += tests/integration/db_pool.t

# Fuzz targets. Each NAME_fuzz.c is built twice: as a libFuzzer program with
# --enable-fuzzing, and always as NAME_replay (replay.c) so `make check`
# replays its corpus in tests/fuzz/corpus/NAME/ (see tests/fuzz/replay.t).
check_PROGRAMS += tests/fuzz/config_replay
tests_fuzz_config_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/config_fuzz.c
tests_fuzz_config_replay_LDADD = $(TERN_LIBS)
TESTS += tests/fuzz/replay.t
EXTRA_DIST += tests/fuzz/replay.t tests/fuzz/corpus
if FUZZING
noinst_PROGRAMS += tests/fuzz/config_fuzz
tests_fuzz_config_fuzz_SOURCES = tests/fuzz/config_fuzz.c
tests_fuzz_config_fuzz_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_config_fuzz_LDADD = $(TERN_LIBS)
endif
check_PROGRAMS += tests/fuzz/csv_replay
tests_fuzz_csv_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/csv_fuzz.c
tests_fuzz_csv_replay_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_fuzz_csv_replay_LDADD = $(TERN_LIBS)

check_PROGRAMS += tests/unit/log_test
tests_unit_log_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_log_test_LDADD = $(TERN_LIBS)
TESTS += tests/unit/log_test
check_PROGRAMS += tests/fuzz/tpl_replay
tests_fuzz_tpl_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/tpl_fuzz.c
tests_fuzz_tpl_replay_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_fuzz_tpl_replay_LDADD = $(TERN_LIBS)
TESTS += tests/integration/token_cli.t
EXTRA_DIST += tests/integration/token_cli.t
TESTS += tests/integration/render.t
EXTRA_DIST += tests/integration/render.t

# The shipped scripts/ and templates/: their tests pass and they lint clean.
TESTS += tests/integration/journeys.t
EXTRA_DIST += tests/integration/journeys.t scripts templates
