# lib/csv.mk: component build rules (filled in by its owner)
