# lib/links.mk: HTML and plain-text link finding and rewriting (lib/links*),
# their unit tests and fuzz targets.

lib_libtern_a_SOURCES += \
	lib/links.c lib/links_int.h \
	lib/links_url.c \
	lib/links_charref.c \
	lib/links_html_scan.c \
	lib/links_html.c \
	lib/links_text.c

check_PROGRAMS += tests/unit/links_test
tests_unit_links_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_links_test_LDADD = $(TERN_LIBS)
TESTS += tests/unit/links_test

EXTRA_DIST += tests/unit/links doc/links.md tests/fuzz/links_fuzz.c tests/fuzz/corpus/links

if FUZZING
noinst_PROGRAMS += tests/fuzz/links_fuzz
tests_fuzz_links_fuzz_SOURCES = tests/fuzz/links_fuzz.c
tests_fuzz_links_fuzz_CPPFLAGS = $(AM_CPPFLAGS)
tests_fuzz_links_fuzz_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_links_fuzz_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_links_fuzz_LDADD = $(TERN_LIBS)
endif

check_PROGRAMS += tests/fuzz/links_replay
tests_fuzz_links_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/links_fuzz.c
tests_fuzz_links_replay_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_fuzz_links_replay_LDADD = $(TERN_LIBS)
