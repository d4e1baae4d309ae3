# cli/: the `tern` binary; one file per subcommand.
bin_PROGRAMS += cli/tern
cli_tern_CPPFLAGS = $(AM_CPPFLAGS) $(PQ_CFLAGS) $(JANSSON_CFLAGS) -I$(top_srcdir)/track
cli_tern_SOURCES = \
	cli/main.c cli/cli.c cli/cli.h \
	cli/cmd_migrate.c \
	cli/cmd_check_config.c \
	cli/cmd_event.c \
	cli/cmd_contacts.c \
	cli/cmd_token.c \
	cli/cmd_render.c \
	cli/cmd_track.c \
	cli/cmd_apikey.c \
	cli/cmd_rejects.c
cli_tern_LDADD = track/libtrack.a $(TERN_LIBS) $(MHD_LIBS) $(GNUTLS_LIBS)
EXTRA_DIST += cli/README.md
TESTS += tests/integration/rejects.t
EXTRA_DIST += tests/integration/rejects.t

# tern test: the Lua host runs the scripts' *_test.lua files.
cli_tern_SOURCES += cli/cmd_test.c
cli_tern_CPPFLAGS += $(LUA_CFLAGS)
cli_tern_LDADD += $(LH_LIBS)

# tern lint: load scripts and templates without running them (Lua host as above).
cli_tern_SOURCES += cli/cmd_lint.c
TESTS += tests/integration/lint.t
EXTRA_DIST += tests/integration/lint.t

# tern milter: the libmilter daemon (milter/, the Lua host, libmilter, GMime).
cli_tern_SOURCES += cli/cmd_milter.c
cli_tern_CPPFLAGS += $(MILTER_CFLAGS) $(GMIME_CFLAGS) -I$(top_srcdir)/milter -I$(top_srcdir)/lua
cli_tern_LDADD += $(MILTER_TERN_LIBS)

# tern simulate: journeys on a virtual clock through the engine's pure runtime.
cli_tern_SOURCES += cli/cmd_simulate.c
cli_tern_LDADD += $(ENGINE_LIBS)
TESTS += tests/integration/simulate.t
EXTRA_DIST += tests/integration/simulate.t

# tern engine: the journey scheduler on PostgreSQL (engine/en_sched.c).
cli_tern_SOURCES += cli/cmd_engine.c

# tern segment: refresh segments by hand and list them (engine/en_seg.h).
cli_tern_SOURCES += cli/cmd_segment.c

# tern stats: the funnel per journey and step, from PostgreSQL.
cli_tern_SOURCES += cli/cmd_stats.c
TESTS += tests/integration/stats.t tests/integration/stats_funnel.t
EXTRA_DIST += tests/integration/stats.t tests/integration/stats_funnel.t
