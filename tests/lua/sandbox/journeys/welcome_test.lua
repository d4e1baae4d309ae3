-- Test files are not part of a generation: this would fail the reload.
error("a *_test.lua file was loaded")
