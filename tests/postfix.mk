# tests/postfix.mk: component build rules (filled in by its owner)
