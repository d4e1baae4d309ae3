#!/bin/sh
# milter_hooks.t - `hook "message"` scripts inside the milter: they shape the
# view; a hook that errors or loops never loses or half-rewrites mail; a
# reload with a broken script keeps the running hooks.
. "$TERN_SRCDIR/tests/lib/milter.sh"
milter_require
milter_setup
mkdir -p "$dir/scripts/hooks"
cat >"$dir/scripts/hooks/message.lua" <<'EOF'
hook "message" (function(m)
  local subject = m.headers["subject"] or ""
  if subject:find("boom", 1, true) then error("the hook failed on purpose") end
  if subject:find("loop", 1, true) then while true do end end
  m.view.greeting = m.contact and m.contact.first_name or "there"
  local rows = db.query("SELECT count(*)::int AS n FROM contacts WHERE tenant = $1", "default")
  m.view.contacts = rows and rows[1].n or "?"
end)
EOF
milter_start
milter_postfix

sent=0
# deliver SUBJECT: a managed one-part message whose body greets {{greeting}}; sets $got.
deliver() {
    printf 'From: news@example.com\nTo: zoe@example.org\nSubject: %s\n\nHello {{greeting}} https://shop.example/h ({{contacts}})\n' \
        "$1" >"$dir/m.eml"
    pf_send --from news@example.com --to zoe@example.org --data @"$dir/m.eml" >/dev/null ||
        bail_out "cannot submit"
    sent=$((sent + 1))
    pf_wait_delivered $sent || bail_out "message '$1' not delivered"
    got=$(last_delivered)
}

deliver "welcome"
like "$(parts "$got" text)" "^Hello Zoë https://t.example.com/c/" "a hook's view field is rendered"
like "$(parts "$got" text)" "\\(1\\)$" "a hook reads PostgreSQL with db.query"

deliver "boom"
is "$(parts "$got" text)" "Hello {{greeting}} https://shop.example/h ({{contacts}})" \
    "a hook that raises an error: the message is delivered untouched"
like "$(cat "$dir/milter.log")" "hooks/message.lua:3: the hook failed on purpose" \
    "the hook's error is logged with its file and line"

deliver "loop"
is "$(parts "$got" text)" "Hello {{greeting}} https://shop.example/h ({{contacts}})" \
    "a hook that never ends: the message is delivered untouched"

printf 'hook "message" (function(m) this is not Lua end)\n' >"$dir/scripts/hooks/broken.lua"
milter_reload || bail_out "no reload"
like "$(cat "$dir/milter.log")" "scripts not reloaded.*broken.lua:1" \
    "a reload with a broken script is refused with its file and line"
deliver "after the broken reload"
like "$(parts "$got" text)" "^Hello Zoë " "the hooks that were running keep serving"

done_testing
