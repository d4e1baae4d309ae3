# track/: tern track (libmicrohttpd endpoint, tracking pages, events API,
# bot classification). Depends on lib/ only: no Lua here.
noinst_LIBRARIES += track/libtrack.a
track_libtrack_a_CPPFLAGS = $(AM_CPPFLAGS) $(MHD_CFLAGS) $(PQ_CFLAGS) $(JANSSON_CFLAGS) \
	$(OPENSSL_CFLAGS) $(GNUTLS_CFLAGS)
track_libtrack_a_SOURCES = \
	track/route.c track/route.h \
	track/bot.c track/bot.h \
	track/burst.c track/burst.h \
	track/gen.c track/gen.h \
	track/exchange.c track/exchange.h \
	track/endpoints.h track/ep_token.c track/ep_hit.c track/ep_page.c track/ep_api.c \
	track/ep_ops.c \
	track/apikey.c track/apikey.h track/apikeys.c track/apikeys.h \
	track/worker.c track/worker.h \
	track/memo.c track/memo.h \
	track/form.c track/form.h \
	track/pages.c track/pages.h track/pages_int.h track/pages_builtin.c \
	track/metrics.c track/metrics.h \
	track/listen.c track/listen.h \
	track/xff.c track/xff.h \
	track/server.c track/server.h \
	track/tlscreds.c track/tlscreds.h \
	track/daemon.c track/daemon.h
EXTRA_DIST += track/README.md

# What a program linking the tracker needs (lib/ after it).
TRACK_LIBS = track/libtrack.a $(TERN_LIBS) $(MHD_LIBS) $(GNUTLS_LIBS)
TRACK_TEST_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/track

TRACK_UNIT_TESTS = \
	tests/unit/track_route_test \
	tests/unit/track_bot_test \
	tests/unit/track_burst_test \
	tests/unit/track_form_test \
	tests/unit/track_apikey_test \
	tests/unit/track_pages_test \
	tests/unit/track_xff_test \
	tests/unit/track_tlscreds_test \
	tests/unit/track_memo_test
check_PROGRAMS += $(TRACK_UNIT_TESTS)
TESTS += $(TRACK_UNIT_TESTS)
tests_unit_track_route_test_CPPFLAGS = $(TRACK_TEST_CPPFLAGS)
tests_unit_track_route_test_LDADD = $(TRACK_LIBS)
tests_unit_track_bot_test_CPPFLAGS = $(TRACK_TEST_CPPFLAGS)
tests_unit_track_bot_test_LDADD = $(TRACK_LIBS)
tests_unit_track_burst_test_CPPFLAGS = $(TRACK_TEST_CPPFLAGS)
tests_unit_track_burst_test_LDADD = $(TRACK_LIBS)
tests_unit_track_form_test_CPPFLAGS = $(TRACK_TEST_CPPFLAGS)
tests_unit_track_form_test_LDADD = $(TRACK_LIBS)
tests_unit_track_apikey_test_CPPFLAGS = $(TRACK_TEST_CPPFLAGS)
tests_unit_track_apikey_test_LDADD = $(TRACK_LIBS)
tests_unit_track_pages_test_CPPFLAGS = $(TRACK_TEST_CPPFLAGS)
tests_unit_track_pages_test_LDADD = $(TRACK_LIBS)
tests_unit_track_xff_test_CPPFLAGS = $(TRACK_TEST_CPPFLAGS)
tests_unit_track_xff_test_LDADD = $(TRACK_LIBS)
tests_unit_track_tlscreds_test_CPPFLAGS = $(TRACK_TEST_CPPFLAGS)
tests_unit_track_tlscreds_test_LDADD = $(TRACK_LIBS)
tests_unit_track_memo_test_CPPFLAGS = $(TRACK_TEST_CPPFLAGS)
tests_unit_track_memo_test_LDADD = $(TRACK_LIBS)

# Fuzz target for the router and the form parser (replayed by tests/fuzz/replay.t).
check_PROGRAMS += tests/fuzz/track_route_replay
tests_fuzz_track_route_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/track_route_fuzz.c
tests_fuzz_track_route_replay_CPPFLAGS = $(TRACK_TEST_CPPFLAGS)
tests_fuzz_track_route_replay_LDADD = $(TRACK_LIBS)
if FUZZING
noinst_PROGRAMS += tests/fuzz/track_route_fuzz
tests_fuzz_track_route_fuzz_SOURCES = tests/fuzz/track_route_fuzz.c
tests_fuzz_track_route_fuzz_CPPFLAGS = $(TRACK_TEST_CPPFLAGS)
tests_fuzz_track_route_fuzz_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_track_route_fuzz_LDADD = $(TRACK_LIBS)
endif

# Over real HTTP against a private PostgreSQL (curl).
TESTS += tests/integration/track_http.t tests/integration/track_pages.t \
	tests/integration/track_base_path.t \
	tests/integration/track_pages_tenant.t \
	tests/integration/track_api.t tests/integration/track_ops.t tests/integration/track_stop.t \
	tests/integration/track_tls.t tests/integration/track_valgrind.t
EXTRA_DIST += tests/integration/track_fixture.sh tests/integration/track_http.t \
	tests/integration/track_base_path.t \
	tests/integration/track_pages.t tests/integration/track_pages_tenant.t \
	tests/integration/track_api.t tests/integration/track_ops.t tests/integration/track_stop.t \
	tests/integration/track_tls.t tests/integration/track_valgrind.t

# No acknowledged click or events API item lost: kill -9 under load; PostgreSQL
# stopped under load.
TESTS += tests/integration/track_crash.t tests/integration/track_outage.t \
	tests/integration/track_api_crash.t tests/integration/track_api_outage.t \
	tests/integration/track_disk_full.t
EXTRA_DIST += tests/integration/track_crash.t tests/integration/track_outage.t \
	tests/integration/track_disk_full.t \
	tests/integration/track_api_crash.t tests/integration/track_api_outage.t \
	tests/integration/track_load.py tests/integration/track_load.sh

# Documentation and deployment files.
EXTRA_DIST += doc/track.md contrib/systemd/tern-track.service contrib/nginx/tern-track.conf
