# lib/links.mk: HTML and plain-text link finding and rewriting (lib/links*),
# their unit tests and fuzz targets.
