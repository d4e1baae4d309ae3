# lib/mime.mk: rewriting the text parts of a MIME message (lib/mime*), its
# unit and golden tests and fuzz target.
