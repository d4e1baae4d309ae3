local greeting = require "lib.greeting"

test("greets a contact by first name", function()
  expect(greeting.for_contact({ first_name = "Ann" })).to_be("Hello Ann")
end)

test("falls back to 'there' without a first name", function()
  expect(greeting.for_contact({})).to_be("Hello there")
  expect(greeting.for_contact({ first_name = "" })).to_equal("Hello there")
end)

test("puts Dutch buyers in both segments", function()
  expect(greeting.segments({ orders = 2, country = "NL" })).to_equal({ "buyers", "nl" })
  expect(greeting.segments({ country = "DE" })).to_equal({})
  expect(greeting.segments({ orders = 1 })).to_have_length(1)
end)

test("every matcher passes on a true statement", function()
  expect(nil).to_be_nil()
  expect(0).to_be_truthy()
  expect(false).to_be_falsy()
  expect("Hello there").to_contain("there")
  expect({ "a", { b = 1 } }).to_contain({ b = 1 })
  expect("order-1042").to_match("^order%-%d+$")
  expect(0.1 + 0.2).to_be_near(0.3)
  expect(function() error("no contact") end).to_fail("no contact")
  expect(1).never.to_be(2)
  expect({ a = 1 }).never.to_equal({ a = 2 })
  expect(json.decode('{"items":[1,null]}')).to_equal({ items = { 1, json.null } })
end)

test("counts from a fresh module in every file", function()
  expect(greeting.count()).to_be(1)
end)
