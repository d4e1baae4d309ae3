#!/bin/sh
# `tern render`: one template part to stdout, exactly as the milter renders
# it, with partials from a directory and, with --contact, a stored contact.
. "$TERN_SRCDIR/tests/lib/tap.sh"
. "$TERN_SRCDIR/tests/lib/pg.sh"
. "$TERN_SRCDIR/tests/lib/tern.sh"

dir=$(tap_tmpdir)
at_exit "rm -rf '$dir'"
tern_conf "$dir/tern.conf"

printf 'Hello, {{name}}!' >"$dir/bare.mustache"
run_tern render "$dir/bare.mustache" --data '{"name":"<Ann & Bob>"}'
is "$status" 0 "a bare template renders"
is "$out" 'Hello, &lt;Ann &amp; Bob&gt;!' "a bare template renders in HTML context"
printf 'x{{a}}x\n' >"$dir/nl.mustache"
"$TERN" render "$dir/nl.mustache" --data '{"a":1}' >"$dir/nl.out"
is "$(od -An -c "$dir/nl.out" | tr -s ' ')" ' x 1 x \n' "output is exact: no newline added or dropped"

cat >"$dir/order.tpl" <<'TPL'
subject: Order {{order.id}} for {{name}}
from: Shop <shop@example.com>

--- html
<p>{{name}}</p>{{> footer}}
--- text
Hi {{name}}
TPL
printf ' <small>{{shop}}</small>' >"$dir/footer.mustache"
data='{"name":"A&B","order":{"id":7},"shop":"S"}'
run_tern render "$dir/order.tpl" --data "$data" --part subject
is "$out" 'Order 7 for A&B' "the subject renders in text context (not escaped)"
run_tern render "$dir/order.tpl" --data "$data" --part text
is "$out" 'Hi A&B' "the text part renders unescaped"
run_tern render "$dir/order.tpl" --data "$data"
is "$out" '<p>A&amp;B</p> <small>S</small>' "the html part is the default; partials resolve next to the template"

mkdir "$dir/parts"
printf ' [{{shop}}]' >"$dir/parts/footer"
run_tern render "$dir/order.tpl" --data "$data" --partials "$dir/parts"
is "$out" '<p>A&amp;B</p> [S]' "--partials DIR resolves DIR/name"

mkdir "$dir/parts/nl"
printf ' [{{shop}} NL]' >"$dir/parts/nl/footer.mustache"
run_tern render "$dir/order.tpl" --data "$data" --partials "$dir/parts" --tenant nl
is "$out" '<p>A&amp;B</p> [S NL]' "--tenant NAME resolves DIR/NAME/ partials first"
run_tern render "$dir/order.tpl" --data "$data" --partials "$dir/parts" --tenant de
is "$out" '<p>A&amp;B</p> [S]' "a tenant without its own partial gets the shared one"

mkdir "$dir/huge"
head -c 4194305 /dev/zero | tr '\0' a >"$dir/huge/footer"
run_tern render "$dir/order.tpl" --data "$data" --partials "$dir/huge"
is "$status" 1 "a partial over 4 MiB fails the render"
like "$err" "huge/footer: larger than 4194304 bytes" "and the error names the file and the cap"

printf '%s' "$data" >"$dir/data.json"
run_tern render "$dir/order.tpl" --data "@$dir/data.json" --part text
is "$out" 'Hi A&B' "--data @FILE reads the view from a file"

run_tern render "$dir/order.tpl" --part text --strict
is "$status" 1 "--strict fails on a missing variable"
like "$err" 'variable "name" is missing' "the missing variable is named"
run_tern render "$dir/order.tpl" --part text
is "$status" 0 "without --strict a missing variable renders empty"

run_tern render "$dir/order.tpl" --part preheader
is "$status" 1 "asking for a part the file lacks fails"
like "$err" "has no preheader part" "the missing part is named"
run_tern render "$dir/order.tpl" --data '{"name":'
is "$status" 2 "malformed --data is a usage error"
like "$err" "--data: column" "the JSON error has its position"
printf '{{#items}}open' >"$dir/broken.mustache"
run_tern render "$dir/broken.mustache"
is "$status" 1 "an unclosed section fails"
like "$err" 'broken.mustache.*never closed' "the error names the file and the problem"

pg_start_temp || bail_out "cannot start PostgreSQL"
tern_conf "$dir/tern.conf"
"$TERN" migrate >/dev/null || bail_out "tern migrate failed"
pg_sql "INSERT INTO tern.contacts (email, attributes, timezone)
        VALUES ('ann@example.com', '{\"first_name\":\"Ann\",\"email\":\"spoof\"}', NULL)" >/dev/null
printf '{{contact.first_name}} <{{contact.email}}> {{contact.timezone}} {{data.x}}' >"$dir/c.mustache"
run_tern render "$dir/c.mustache" --contact ANN@example.com --data '{"data":{"x":1}}'
is "$status" 0 "--contact renders with the stored contact"
is "$out" 'Ann <ann@example.com> UTC 1' "attributes, record fields (winning over attributes) and data merge"
run_tern render "$dir/c.mustache" --contact nobody@example.com
is "$status" 1 "an unknown contact is an error"
like "$err" "no contact with address nobody@example.com in tenant default" "the unknown contact is named"

done_testing
