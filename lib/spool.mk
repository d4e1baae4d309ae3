# lib/spool.mk: the durable record spool (lib/spool*), the records the
# daemons spool (lib/record*) and the drain into PostgreSQL, with tests.

lib_libtern_a_SOURCES += \
	lib/spool_int.h lib/spool.c lib/spool_seg.c lib/spool_recover.c lib/spool_cursor.c \
	lib/spool_sync.c lib/spool_read.c \
	lib/spool_crc.c lib/spool_crc.h

check_PROGRAMS += tests/unit/spool_test
tests_unit_spool_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_spool_test_LDADD = $(TERN_LIBS)
TESTS += tests/unit/spool_test

EXTRA_DIST += doc/spool.md

# kill -9 while appending: every acknowledged record survives, once.
check_PROGRAMS += tests/integration/spool_crash_helper
tests_integration_spool_crash_helper_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_integration_spool_crash_helper_LDADD = $(TERN_LIBS)
TESTS += tests/integration/spool_crash.t
EXTRA_DIST += tests/integration/spool_crash.t

# Records: encoding, and applying batches to PostgreSQL (needs the private cluster).
lib_libtern_a_SOURCES += \
	lib/record.c lib/record_apply.c lib/record_copy.c lib/record_int.h lib/record_sql.h \
	lib/jsonw.c lib/jsonw.h
check_PROGRAMS += tests/unit/jsonw_test
tests_unit_jsonw_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_jsonw_test_LDADD = $(TERN_LIBS)
TESTS += tests/unit/jsonw_test

check_PROGRAMS += tests/integration/record_test
tests_integration_record_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_integration_record_test_LDADD = $(TERN_LIBS)
TESTS += tests/integration/record.t
EXTRA_DIST += tests/integration/record.t tests/integration/spool_pg.sh

# The drain: spooled records reach PostgreSQL across an outage, exactly once.
lib_libtern_a_SOURCES += lib/spool_drain.c
check_PROGRAMS += tests/integration/spool_drain_test
tests_integration_spool_drain_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_integration_spool_drain_test_LDADD = $(TERN_LIBS)
TESTS += tests/integration/spool_drain.t
EXTRA_DIST += tests/integration/spool_drain.t
