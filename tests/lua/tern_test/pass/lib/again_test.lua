-- Runs after greeting_test.lua: module state from that file must not leak here.
local greeting = require "lib.greeting"

test("starts from a fresh module", function()
  expect(greeting.count()).to_be(1)
end)

test("renders a template file from --templates", function()
  expect(template.render("hello", { name = "Ann" })).to_equal("<b>Ann</b>\n")
end)

test("has no database", function()
  local rows, err = db.query("SELECT 1")
  expect(rows).to_be_nil()
  expect(err).to_be("db.query: no database in this context")
end)
