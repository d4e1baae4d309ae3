# lib/token.mk: signed tracking tokens (lib/token*), the strict base64 and
# base64url codec (lib/b64*), their unit tests, fuzz target and format spec.

lib_libtern_a_SOURCES += \
	lib/token.c lib/token.h \
	lib/b64.c lib/b64.h

check_PROGRAMS += tests/unit/token_test tests/unit/b64_test
tests_unit_token_test_CPPFLAGS = $(UNIT_CPPFLAGS) $(OPENSSL_CFLAGS)
tests_unit_token_test_LDADD = $(TERN_LIBS)
tests_unit_b64_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_b64_test_LDADD = $(TERN_LIBS)
TESTS += tests/unit/token_test tests/unit/b64_test

EXTRA_DIST += tests/fuzz/token_fuzz.c tests/fuzz/corpus/token doc/tokens.md

if FUZZING
noinst_PROGRAMS += tests/fuzz/token_fuzz
tests_fuzz_token_fuzz_SOURCES = tests/fuzz/token_fuzz.c
tests_fuzz_token_fuzz_CPPFLAGS = $(AM_CPPFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_token_fuzz_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_token_fuzz_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_token_fuzz_LDADD = $(TERN_LIBS)
endif

check_PROGRAMS += tests/fuzz/token_replay
tests_fuzz_token_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/token_fuzz.c
tests_fuzz_token_replay_CPPFLAGS = $(UNIT_CPPFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_token_replay_LDADD = $(TERN_LIBS)
