# lua/api.mk: the `tern` Lua API bindings (registration of journeys,
# segments, policy and hooks; JSON; db.query; template.render; log; the
# message hook calling convention) and their tests.
