-- Renders for lh_tplbind_test: each returns the text, or "nil, ERR".
local function show(s, err)
  if s == nil then return "nil, " .. tostring(err) end
  return s
end

local ann = { contact = { first_name = "Ann <3" }, company = "Shop" }

function file_html() return show(template.render("welcome", ann)) end
function file_subject() return show(template.render("welcome", ann, { part = "subject" })) end
function file_text() return show(template.render("welcome", ann, { part = "text" })) end
function missing_part() return show(template.render("html_only", ann, { part = "text" })) end
function default_part_without_html() return show(template.render("text_only", ann)) end
function broken_file() return show(template.render("broken", ann)) end
function source_html() return show(template.render("Hi {{contact.first_name}}", ann)) end
function source_text() return show(template.render("Hi {{contact.first_name}}", ann, { part = "text" })) end
function source_partial() return show(template.render("[{{> footer}}]", ann)) end
function source_error() return show(template.render("Hi {{#x}}", ann)) end
function strict_missing() return show(template.render("Hi {{nobody}}", ann, { strict = true })) end
function lenient_missing() return show(template.render("Hi {{nobody}}!", ann)) end
function no_view() return show(template.render("static text")) end
function walking_name() return show(template.render("../templates/welcome", ann)) end
function by_name(name) return show(template.render(name, ann)) end

function big_output()
  local items = {}
  for i = 1, 20000 do items[i] = i end
  return show(template.render("{{#items}}" .. string.rep("x", 500) .. "{{/items}}", { items = items }))
end

function nested_sections()
  local a = {}
  for i = 1, 50 do a[i] = i end
  -- no text inside: the output cap never ends it, only the time limit can
  return show(template.render("{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}",
                              { a = a }))
end

local function raises(...)
  local ok, e = pcall(template.render, ...)
  return ok and "no error" or e
end

function view_with_function() return raises("x", { items = { 1, print } }) end
function name_not_string() return raises(nil, {}) end
function view_not_table() return raises("x", "view") end
function unknown_option() return raises("x", {}, { parts = "html" }) end
function bad_part() return raises("x", {}, { part = "body" }) end

function render_repeat(n)
  local items = {}
  for i = 1, tonumber(n) do items[i] = i end
  local s = template.render("{{#items}}" .. string.rep("y", 100) .. "{{/items}}", { items = items })
  return #s
end

-- Country teams: templates/<tenant>/ overrides templates/ for files and partials.
function tenant_file() return show(template.render("welcome", ann, { tenant = "nl" })) end
function tenant_fallback() return show(template.render("html_only", ann, { tenant = "nl" })) end
function tenant_partial() return show(template.render("[{{> footer}}]", ann, { tenant = "nl" })) end
function tenant_other() return show(template.render("welcome", ann, { tenant = "de" })) end
function tenant_bad() return show(template.render("welcome", ann, { tenant = "../nl" })) end
