# lua/api.mk: the `tern` Lua API bindings (registration of journeys,
# segments, policy and hooks; JSON; db.query; template.render; log; the
# message hook calling convention) and their tests.

# JSON <-> Lua and json.* (lh_json), freeing C resources across Lua errors (lh_guard).
lua_liblh_a_SOURCES += lua/lh_json.h lua/lh_json.c lua/lh_json_text.c lua/lh_guard.c

# Unit tests of the bindings; their script trees live in tests/lua/.
LH_API_TESTS = tests/unit/lh_json_test
check_PROGRAMS += $(LH_API_TESTS)
TESTS += $(LH_API_TESTS)
tests_unit_lh_json_test_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_unit_lh_json_test_LDADD = $(LH_LIBS)

# Registration (journey, segment, policy, hook, on, in_segment), its checks
# and the C inspection API (lh_reg); script durations (lh_duration).
# lib/events.h (event type syntax) includes libpq-fe.h.
lua_liblh_a_CPPFLAGS += $(PQ_CFLAGS)
lua_liblh_a_SOURCES += lua/lh_reg.h lua/lh_reg_int.h lua/lh_reg.c lua/lh_reg_journey.c \
	lua/lh_reg_trigger.c lua/lh_reg_opts.c lua/lh_reg_tenant.c lua/lh_reg_info.c lua/lh_reg_lint.c \
	lua/lh_duration.h lua/lh_duration.c
check_PROGRAMS += tests/unit/lh_reg_test
TESTS += tests/unit/lh_reg_test
tests_unit_lh_reg_test_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_unit_lh_reg_test_LDADD = $(LH_LIBS)

# The message hook calling convention (lh_msg.h, used by the milter).
lua_liblh_a_SOURCES += lua/lh_msg.c
check_PROGRAMS += tests/unit/lh_msg_test
TESTS += tests/unit/lh_msg_test
tests_unit_lh_msg_test_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_unit_lh_msg_test_LDADD = $(LH_LIBS)

# db.query: read-only parameterized SQL through lib/db's pool.
lua_liblh_a_SOURCES += lua/lh_db.c
lua_liblh_a_CPPFLAGS += $(PQ_CFLAGS)
check_PROGRAMS += tests/integration/lh_db_test
tests_integration_lh_db_test_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_integration_lh_db_test_LDADD = $(LH_LIBS)
TESTS += tests/integration/lh_db.t
EXTRA_DIST += tests/integration/lh_db.t

# template.render: template files and Mustache sources through lib/tpl.
lua_liblh_a_SOURCES += lua/lh_tplbind.c
LH_API_TESTS += tests/unit/lh_tplbind_test
tests_unit_lh_tplbind_test_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_unit_lh_tplbind_test_LDADD = $(LH_LIBS)
EXTRA_DIST += tests/unit/lh_probe.h

# log.*: script log lines through lib/log.
lua_liblh_a_SOURCES += lua/lh_log.c
LH_API_TESTS += tests/unit/lh_log_test
tests_unit_lh_log_test_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_unit_lh_log_test_LDADD = $(LH_LIBS)

# Running *_test.lua files (lh_test) with the assertion library, compiled in
# from lua/lh_testlib.lua as a C string.
lua_liblh_a_SOURCES += lua/lh_test.h lua/lh_test.c
nodist_lua_liblh_a_SOURCES = lua/lh_testlib_lua.c
BUILT_SOURCES += lua/lh_testlib_lua.c
CLEANFILES += lua/lh_testlib_lua.c
EXTRA_DIST += lua/lh_testlib.lua
lua/lh_testlib_lua.c: $(srcdir)/lua/lh_testlib.lua
	$(AM_V_GEN)$(MKDIR_P) lua && { \
	  echo '#include <stddef.h>'; \
	  echo 'extern const char lh_testlib_lua[];'; \
	  echo 'extern const size_t lh_testlib_lua_len;'; \
	  echo 'const char lh_testlib_lua[] ='; \
	  $(SED) 's/\\/\\\\/g; s/"/\\"/g; s/^/    "/; s/$$/\\n"/' $(srcdir)/lua/lh_testlib.lua; \
	  echo '    "";'; \
	  echo 'const size_t lh_testlib_lua_len = sizeof lh_testlib_lua - 1;'; \
	} > $@.tmp && mv $@.tmp $@
TESTS += tests/integration/tern_test.t
EXTRA_DIST += tests/integration/tern_test.t

# Fuzzing the JSON <-> Lua conversion; its corpus is replayed in every build.
EXTRA_DIST += tests/fuzz/lh_json_fuzz.c tests/fuzz/corpus/lh_json
if FUZZING
noinst_PROGRAMS += tests/fuzz/lh_json_fuzz
tests_fuzz_lh_json_fuzz_SOURCES = tests/fuzz/lh_json_fuzz.c
tests_fuzz_lh_json_fuzz_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_fuzz_lh_json_fuzz_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_lh_json_fuzz_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_lh_json_fuzz_LDADD = $(LH_LIBS)
endif
check_PROGRAMS += tests/fuzz/lh_json_replay
tests_fuzz_lh_json_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/lh_json_fuzz.c
tests_fuzz_lh_json_replay_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_fuzz_lh_json_replay_LDADD = $(LH_LIBS)
