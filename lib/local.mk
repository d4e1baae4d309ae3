# lib/: shared C with no knowledge of milters, HTTP or Lua.
noinst_LIBRARIES += lib/libtern.a
lib_libtern_a_CPPFLAGS = $(AM_CPPFLAGS) $(PQ_CFLAGS) $(JANSSON_CFLAGS) $(INIH_CFLAGS) $(OPENSSL_CFLAGS) \
	$(GMIME_CFLAGS)
lib_libtern_a_SOURCES = \
	lib/spool.h lib/spool_drain.h lib/record.h lib/links.h lib/mime.h \
	lib/buf.c lib/buf.h \
	lib/log.c lib/log.h \
	lib/cidr.c lib/cidr.h \
	lib/config.c lib/config.h \
	lib/db.c lib/db.h \
	lib/schema.c lib/schema.h \
	lib/events.c lib/events.h \
	lib/import.c lib/import.h \
	lib/tenant.c lib/tenant.h \
	lib/contact_view.c lib/contact_view.h \
	lib/jsonr.c lib/jsonr.h \
	lib/uuid.c lib/uuid.h \
	lib/sqlcond.c lib/sqlcond.h
EXTRA_DIST += lib/README.md

# What a program linking lib/ needs.
TERN_LIBS = lib/libtern.a $(PQ_LIBS) $(JANSSON_LIBS) $(INIH_LIBS) $(OPENSSL_LIBS) $(GMIME_LIBS) -lpthread

check_PROGRAMS += tests/unit/buf_test
tests_unit_buf_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_buf_test_LDADD = $(TERN_LIBS)
TESTS += tests/unit/buf_test

check_PROGRAMS += tests/unit/jsonr_test
tests_unit_jsonr_test_CPPFLAGS = $(UNIT_CPPFLAGS) $(JANSSON_CFLAGS)
tests_unit_jsonr_test_LDADD = $(TERN_LIBS)
TESTS += tests/unit/jsonr_test

check_PROGRAMS += tests/unit/uuid_test
tests_unit_uuid_test_CPPFLAGS = $(UNIT_CPPFLAGS) $(OPENSSL_CFLAGS)
tests_unit_uuid_test_LDADD = $(TERN_LIBS)
TESTS += tests/unit/uuid_test

check_PROGRAMS += tests/unit/sqlcond_test
tests_unit_sqlcond_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_sqlcond_test_LDADD = $(TERN_LIBS)
TESTS += tests/unit/sqlcond_test
