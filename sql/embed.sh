#!/bin/sh
# embed.sh - turn the numbered migrations into a C table compiled into tern,
# so a binary always carries exactly the schema it was built for.
# Usage: sh embed.sh sql/0001_x.sql sql/0002_y.sql ... > migrations.c
set -eu
echo '/* Generated from the sql/ migrations by sql/embed.sh: do not edit. */'
echo '#include "schema.h"'
echo
echo 'const struct schema_migration schema_migrations[] = {'
n=0
for f in "$@"; do
    name=$(basename "$f" .sql)
    version=$(echo "$name" | sed 's/_.*//; s/^0*//')
    printf '    {%d, "%s",\n' "$version" "$name"
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/     "/' -e 's/$/\\n"/' "$f"
    echo '    },'
    n=$((n + 1))
done
echo '};'
echo
echo "const size_t schema_nmigrations = $n;"
