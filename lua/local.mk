# lua/: the Lua host (sandbox, limits, state pool with reload generations).
# Depends on lib/ only; never on milter, HTTP or engine code.
noinst_LIBRARIES += lua/liblh.a
lua_liblh_a_CPPFLAGS = $(AM_CPPFLAGS) $(LUA_CFLAGS) $(JANSSON_CFLAGS)
lua_liblh_a_SOURCES = \
	lua/lh_msg.h \
	lua/lh.h lua/lh_compat.h lua/lh_int.h \
	lua/lh_api.c \
	lua/lh_pattern.c lua/lh_pattern.h \
	lua/lh_pool.c \
	lua/lh_sandbox.c \
	lua/lh_state.c \
	lua/lh_tablib.c \
	lua/lh_tree.c \
	lua/lh_watch.c
EXTRA_DIST += lua/README.md doc/tern-lua.md

# What a program linking the Lua host needs (lib/ after it).
LH_LIBS = lua/liblh.a $(LUA_LIBS) $(TERN_LIBS)

# Unit tests; their script trees live in tests/lua/ (found via TERN_SRCDIR).
LH_TEST_CPPFLAGS = $(UNIT_CPPFLAGS) $(LUA_CFLAGS)
LH_TESTS = \
	tests/unit/lh_pattern_test \
	tests/unit/lh_sandbox_test \
	tests/unit/lh_limits_test \
	tests/unit/lh_pool_test
check_PROGRAMS += $(LH_TESTS)
TESTS += $(LH_TESTS)
tests_unit_lh_pattern_test_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_unit_lh_pattern_test_LDADD = $(LH_LIBS)
tests_unit_lh_sandbox_test_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_unit_lh_sandbox_test_LDADD = $(LH_LIBS)
tests_unit_lh_limits_test_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_unit_lh_limits_test_LDADD = $(LH_LIBS)
tests_unit_lh_pool_test_CPPFLAGS = $(LH_TEST_CPPFLAGS)
tests_unit_lh_pool_test_LDADD = $(LH_LIBS)
EXTRA_DIST += tests/lua
