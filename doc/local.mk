# doc/: man pages and guides.
dist_man_MANS += doc/tern.1 doc/tern.conf.5
EXTRA_DIST += doc/README.md doc/tenants.md
