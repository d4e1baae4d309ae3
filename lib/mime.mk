# lib/mime.mk: rewriting the text parts of a MIME message (lib/mime*), its
# unit and golden tests and fuzz target.

lib_libtern_a_SOURCES += \
	lib/mime.c lib/mime_int.h \
	lib/mime_doc.c \
	lib/mime_text.c \
	lib/mime_qp.c lib/mime_qp.h \
	lib/mime_ctype.c \
	lib/mime_splice.c

check_PROGRAMS += tests/unit/mime_test
tests_unit_mime_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_mime_test_LDADD = $(TERN_LIBS)
TESTS += tests/unit/mime_test
EXTRA_DIST += tests/unit/mime doc/mime.md

EXTRA_DIST += tests/fuzz/mime_fuzz.c

if FUZZING
noinst_PROGRAMS += tests/fuzz/mime_fuzz
tests_fuzz_mime_fuzz_SOURCES = tests/fuzz/mime_fuzz.c
tests_fuzz_mime_fuzz_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_fuzz_mime_fuzz_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_mime_fuzz_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_mime_fuzz_LDADD = $(TERN_LIBS)
endif

check_PROGRAMS += tests/fuzz/mime_replay
tests_fuzz_mime_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/mime_fuzz.c
tests_fuzz_mime_replay_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_fuzz_mime_replay_LDADD = $(TERN_LIBS)

# An outside check: Python's email package reads what mime_driver rewrote.
check_PROGRAMS += tests/integration/mime_driver
tests_integration_mime_driver_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_integration_mime_driver_LDADD = $(TERN_LIBS)
TESTS += tests/integration/mime_python.t
EXTRA_DIST += tests/integration/mime_python.t tests/unit/mime_helpers.h

# The quoted-printable encoder against GMime's decoder: exact cases and a
# property test, and its fuzz target with the same check.
check_PROGRAMS += tests/unit/mime_qp_test
tests_unit_mime_qp_test_CPPFLAGS = $(UNIT_CPPFLAGS) $(GMIME_CFLAGS)
tests_unit_mime_qp_test_LDADD = $(TERN_LIBS)
TESTS += tests/unit/mime_qp_test
EXTRA_DIST += tests/unit/qp_check.h tests/fuzz/qp_fuzz.c

if FUZZING
noinst_PROGRAMS += tests/fuzz/qp_fuzz
tests_fuzz_qp_fuzz_SOURCES = tests/fuzz/qp_fuzz.c
tests_fuzz_qp_fuzz_CPPFLAGS = $(UNIT_CPPFLAGS) $(GMIME_CFLAGS)
tests_fuzz_qp_fuzz_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_qp_fuzz_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_qp_fuzz_LDADD = $(TERN_LIBS)
endif

check_PROGRAMS += tests/fuzz/qp_replay
tests_fuzz_qp_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/qp_fuzz.c
tests_fuzz_qp_replay_CPPFLAGS = $(UNIT_CPPFLAGS) $(GMIME_CFLAGS)
tests_fuzz_qp_replay_LDADD = $(TERN_LIBS)
