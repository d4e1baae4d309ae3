# sql/: numbered migrations, compiled into the binary (see sql/embed.sh).
# A new migration: add sql/NNNN_name.sql here; never edit one that shipped.
MIGRATIONS = \
	sql/0001_contacts.sql \
	sql/0002_events.sql \
	sql/0003_messages.sql \
	sql/0004_journeys.sql \
	sql/0005_consent_events.sql \
	sql/0006_api.sql \
	sql/0007_engine.sql \
	sql/0008_outbox_sending.sql \
	sql/0009_segments.sql \
	sql/0010_event_intake.sql \
	sql/0011_events_xid_id.sql \
	sql/0012_outbox_capped.sql \
	sql/0013_outbox_due_order.sql \
	sql/0014_enrollment_steps_checks.sql \
	sql/0015_memberships_contact_check.sql \
	sql/0016_contacts_tenant_update_check.sql \
	sql/0017_enrollments_contact_check.sql \
	sql/0018_intake_shards.sql \
	sql/0019_outbox_contact.sql \
	sql/0020_messages_per_recipient.sql \
	sql/0021_record_rejects.sql \
	sql/0022_enrollment_steps_ran.sql

sql/migrations.c: $(MIGRATIONS) sql/embed.sh
	$(AM_V_GEN)$(MKDIR_P) sql && files= && for f in $(MIGRATIONS); do files="$$files $(srcdir)/$$f"; done && \
	  $(SHELL) $(srcdir)/sql/embed.sh $$files > $@.tmp && mv $@.tmp $@

nodist_lib_libtern_a_SOURCES = sql/migrations.c
BUILT_SOURCES += sql/migrations.c
CLEANFILES += sql/migrations.c
EXTRA_DIST += $(MIGRATIONS) sql/embed.sh sql/README.md
