test("passes before the failures", function()
  expect(1 + 1).to_be(2)
end)

test("names the first difference of a deep comparison", function()
  expect({ contact = { tags = { "vip", "nl" } } }).to_equal({ contact = { tags = { "vip", "de" } } })
end)

test("a plain comparison", function()
  expect("Hello Ann").to_be("Hello Bob")
end)

test("a negated one", function()
  expect(3).never.to_be(3)
end)

test("a function that should have failed", function()
  expect(function() return 1 end).to_fail()
end)

test("runs after the failures", function()
  expect(true).to_be_truthy()
end)
