# doc/: see doc/README.md
