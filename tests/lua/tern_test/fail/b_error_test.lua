local lib = require "lib"

test("a script error inside the code under test", function()
  lib.broken({})
end)

test("runs forever", function()
  while true do end
end)

test("still runs after the time limit", function()
  expect(1).to_be(1)
end)
