#!/bin/sh
# The man pages: tern-lua(7) is what doc/md2man.py makes of doc/tern-lua.md now (so the
# guide and the page change together), and every page formats without a warning.
. "$TERN_SRCDIR/tests/lib/tap.sh"

command -v python3 >/dev/null || skip_all "python3 is not installed"
doc=$TERN_SRCDIR/doc
dir=$(tap_tmpdir)
at_exit "rm -rf '$dir'"
python3 "$doc/md2man.py" "$doc/tern-lua.md" tern-lua 7 "Tern Lua API" >"$dir/tern-lua.7"
cmp -s "$dir/tern-lua.7" "$doc/tern-lua.7"
tap_result $? "doc/tern-lua.7 is made from doc/tern-lua.md as it is now"
[ "$tap_failed" -eq 0 ] ||
    diag "regenerate it: doc/md2man.py doc/tern-lua.md tern-lua 7 \"Tern Lua API\" > doc/tern-lua.7" \
        "$(diff "$doc/tern-lua.7" "$dir/tern-lua.7" | head -20)"
command -v groff >/dev/null || { done_testing; exit; }
for page in tern.1 tern.conf.5 tern-lua.7; do
    # "cannot adjust line": a long word in a narrow table cell, which only looks loose.
    warnings=$(groff -man -t -Tutf8 -ww -z "$doc/$page" 2>&1 | grep -v 'cannot adjust line')
    is "$warnings" "" "$page formats without warnings"
done
done_testing
