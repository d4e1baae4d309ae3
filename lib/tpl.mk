# lib/tpl.mk: Mustache templates (lib/tpl*), template files (lib/tplfile*),
# their unit tests, the Mustache spec conformance runner and the fuzz target.

lib_libtern_a_SOURCES += \
	lib/tpl.h lib/tpl_int.h \
	lib/tpl_parse.c lib/tpl_render.c lib/tpl_filter.c lib/tpl_escape.c lib/tpl_set.c \
	lib/tplfile.c lib/tplfile.h \
	lib/tplpath.c lib/tplpath.h

check_PROGRAMS += tests/unit/tpl_test tests/unit/mustache_spec_test tests/unit/tplfile_test \
	tests/unit/tplpath_test
tests_unit_tplpath_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_tplpath_test_LDADD = $(TERN_LIBS)
tests_unit_tpl_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_tpl_test_LDADD = $(TERN_LIBS)
tests_unit_mustache_spec_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_mustache_spec_test_LDADD = $(TERN_LIBS)
tests_unit_tplfile_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_tplfile_test_LDADD = $(TERN_LIBS)
TESTS += tests/unit/tpl_test tests/unit/mustache_spec_test tests/unit/tplfile_test \
	tests/unit/tplpath_test

# The official Mustache spec (MIT), found by the runner through $TERN_CONFORMANCE.
EXTRA_DIST += \
	tests/conformance/mustache-spec/LICENSE \
	tests/conformance/mustache-spec/SOURCE \
	tests/conformance/mustache-spec/comments.json \
	tests/conformance/mustache-spec/delimiters.json \
	tests/conformance/mustache-spec/interpolation.json \
	tests/conformance/mustache-spec/inverted.json \
	tests/conformance/mustache-spec/partials.json \
	tests/conformance/mustache-spec/sections.json \
	tests/conformance/mustache-spec/~dynamic-names.json \
	tests/conformance/mustache-spec/~inheritance.json \
	tests/fuzz/corpus/tpl \
	doc/templates.md

if FUZZING
noinst_PROGRAMS += tests/fuzz/tpl_fuzz
tests_fuzz_tpl_fuzz_SOURCES = tests/fuzz/tpl_fuzz.c
tests_fuzz_tpl_fuzz_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_fuzz_tpl_fuzz_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_tpl_fuzz_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_tpl_fuzz_LDADD = $(TERN_LIBS)
endif
