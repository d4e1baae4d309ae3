# doc/: man pages and guides. tern-lua.7 is made from tern-lua.md by md2man.py and committed
# with it (tests/integration/doc_man.t checks that it is up to date):
#   doc/md2man.py doc/tern-lua.md tern-lua 7 "Tern Lua API" > doc/tern-lua.7
dist_man_MANS += doc/tern.1 doc/tern.conf.5 doc/tern-lua.7
EXTRA_DIST += doc/README.md doc/tenants.md doc/md2man.py
TESTS += tests/integration/doc_man.t
EXTRA_DIST += tests/integration/doc_man.t
