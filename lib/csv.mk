# lib/csv.mk: the CSV reader, UTF-8 validation and address normalization
# behind `tern contacts import`, with their unit tests and fuzz target.

lib_libtern_a_SOURCES += \
	lib/csv.c lib/csv.h \
	lib/utf8.c lib/utf8.h \
	lib/email.c lib/email.h

check_PROGRAMS += tests/unit/csv_test tests/unit/utf8_test tests/unit/email_test
tests_unit_csv_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_csv_test_LDADD = $(TERN_LIBS)
tests_unit_utf8_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_utf8_test_LDADD = $(TERN_LIBS)
tests_unit_email_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_email_test_LDADD = $(TERN_LIBS)
TESTS += tests/unit/csv_test tests/unit/utf8_test tests/unit/email_test

EXTRA_DIST += tests/fuzz/csv_fuzz.c tests/fuzz/corpus/csv

if FUZZING
noinst_PROGRAMS += tests/fuzz/csv_fuzz
tests_fuzz_csv_fuzz_SOURCES = tests/fuzz/csv_fuzz.c
tests_fuzz_csv_fuzz_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_csv_fuzz_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_csv_fuzz_LDADD = $(TERN_LIBS)
endif
