# lib/spool.mk: the durable record spool (lib/spool*), the records the
# daemons spool (lib/record*) and the drain into PostgreSQL, with tests.
