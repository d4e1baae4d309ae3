# milter/: tern milter (libmilter callbacks, message context, edit plan).
# Depends on lua/ and lib/.
noinst_LIBRARIES += milter/libmilter_tern.a
milter_libmilter_tern_a_CPPFLAGS = $(AM_CPPFLAGS) $(MILTER_CFLAGS) $(PQ_CFLAGS) $(JANSSON_CFLAGS) \
	$(LUA_CFLAGS) $(GMIME_CFLAGS) -I$(top_srcdir)/lua
milter_libmilter_tern_a_SOURCES = \
	milter/smfi_ops.h milter/smfi_real.c \
	milter/trust.c milter/trust.h \
	milter/control.c milter/control.h \
	milter/plan.c milter/plan.h \
	milter/session.c milter/session.h \
	milter/shell.c milter/shell.h \
	milter/tracking.c milter/tracking.h \
	milter/view.c milter/view.h \
	milter/rewrite.c milter/rewrite.h \
	milter/preheader.c milter/preheader.h \
	milter/tplcache.c milter/tplcache.h \
	milter/contact_cache.c milter/contact_cache.h \
	milter/record.c milter/mrecord.h \
	milter/hook.c milter/hook.h \
	milter/heap.c milter/heap.h
EXTRA_DIST += milter/README.md

# What a program linking the milter needs (lua/ and lib/ after it).
MILTER_TERN_LIBS = milter/libmilter_tern.a $(LH_LIBS) $(MILTER_LIBS)
MILTER_TEST_CPPFLAGS = $(UNIT_CPPFLAGS) $(MILTER_CFLAGS) $(LUA_CFLAGS) \
	-I$(top_srcdir)/milter -I$(top_srcdir)/lua

# Unit tests; the shell tests play the MTA in-process (tests/unit/milter_harness.c).
MILTER_UNIT_TESTS = \
	tests/unit/milter_trust_test \
	tests/unit/milter_control_test \
	tests/unit/milter_shell_test \
	tests/unit/milter_view_test \
	tests/unit/milter_contact_cache_test \
	tests/unit/milter_tplcache_test \
	tests/unit/milter_rewrite_test \
	tests/unit/milter_golden_test
check_PROGRAMS += $(MILTER_UNIT_TESTS)
TESTS += $(MILTER_UNIT_TESTS)
tests_unit_milter_trust_test_CPPFLAGS = $(MILTER_TEST_CPPFLAGS)
tests_unit_milter_trust_test_LDADD = $(MILTER_TERN_LIBS)
tests_unit_milter_control_test_CPPFLAGS = $(MILTER_TEST_CPPFLAGS)
tests_unit_milter_control_test_LDADD = $(MILTER_TERN_LIBS)
tests_unit_milter_shell_test_SOURCES = tests/unit/milter_shell_test.c \
	tests/unit/milter_harness.c tests/unit/milter_harness.h
tests_unit_milter_shell_test_CPPFLAGS = $(MILTER_TEST_CPPFLAGS)
tests_unit_milter_shell_test_LDADD = $(MILTER_TERN_LIBS)
tests_unit_milter_view_test_CPPFLAGS = $(MILTER_TEST_CPPFLAGS)
tests_unit_milter_view_test_LDADD = $(MILTER_TERN_LIBS)
tests_unit_milter_contact_cache_test_CPPFLAGS = $(MILTER_TEST_CPPFLAGS)
tests_unit_milter_contact_cache_test_LDADD = $(MILTER_TERN_LIBS)
tests_unit_milter_tplcache_test_CPPFLAGS = $(MILTER_TEST_CPPFLAGS)
tests_unit_milter_tplcache_test_LDADD = $(MILTER_TERN_LIBS)
tests_unit_milter_rewrite_test_SOURCES = tests/unit/milter_rewrite_test.c \
	tests/unit/milter_harness.c tests/unit/milter_harness.h
tests_unit_milter_rewrite_test_CPPFLAGS = $(MILTER_TEST_CPPFLAGS)
tests_unit_milter_rewrite_test_LDADD = $(MILTER_TERN_LIBS)
tests_unit_milter_golden_test_SOURCES = tests/unit/milter_golden_test.c \
	tests/unit/milter_harness.c tests/unit/milter_harness.h
tests_unit_milter_golden_test_CPPFLAGS = $(MILTER_TEST_CPPFLAGS)
tests_unit_milter_golden_test_LDADD = $(MILTER_TERN_LIBS)
EXTRA_DIST += tests/golden/milter

# Fuzz target for the control headers (replayed by tests/fuzz/replay.t).
EXTRA_DIST += tests/fuzz/control_fuzz.c
check_PROGRAMS += tests/fuzz/control_replay
tests_fuzz_control_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/control_fuzz.c
tests_fuzz_control_replay_CPPFLAGS = $(MILTER_TEST_CPPFLAGS)
tests_fuzz_control_replay_LDADD = $(MILTER_TERN_LIBS)
if FUZZING
noinst_PROGRAMS += tests/fuzz/control_fuzz
tests_fuzz_control_fuzz_SOURCES = tests/fuzz/control_fuzz.c
tests_fuzz_control_fuzz_CPPFLAGS = $(MILTER_TEST_CPPFLAGS)
tests_fuzz_control_fuzz_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_control_fuzz_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_control_fuzz_LDADD = $(MILTER_TERN_LIBS)
endif

# Documentation and deployment files.
EXTRA_DIST += doc/milter.md contrib/postfix/main.cf contrib/postfix/master.cf \
	contrib/systemd/tern-milter.service
EXTRA_DIST += bench/milter.sh bench/milter_newsletter.py bench/noop_milter.c
# End to end through a private Postfix (tests/lib/milter.sh); they skip
# without root, Postfix or OpenDKIM.
MILTER_E2E_TESTS = \
	tests/integration/milter_postfix.t \
	tests/integration/milter_mime.t \
	tests/integration/milter_trust.t \
	tests/integration/milter_sasl.t \
	tests/integration/milter_recipients.t \
	tests/integration/milter_hooks.t \
	tests/integration/milter_outage.t \
	tests/integration/milter_dkim.t \
	tests/integration/milter_valgrind.t
TESTS += $(MILTER_E2E_TESTS)
EXTRA_DIST += $(MILTER_E2E_TESTS) tests/lib/milter.sh tests/lib/mailparts.py tests/lib/saslauth.py \
	tests/data/newsletter.eml
