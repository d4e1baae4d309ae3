local time = require "lib.time"

test("parses a date as midnight UTC", function()
  expect(time.parse("2026-01-05")).to_be(1767571200)
end)

test("parses a UTC time", function()
  expect(time.parse("2026-01-05T09:30:00Z")).to_be(1767571200 + 9 * 3600 + 30 * 60)
end)

test("applies a zone offset", function()
  expect(time.parse("2026-01-05T11:00:00+02:00")).to_be(time.parse("2026-01-05T09:00:00Z"))
end)

test("passes Unix seconds through", function()
  expect(time.parse(1767571200)).to_be(1767571200)
end)

test("gives nil for text that is not a time", function()
  expect(time.parse("next spring")).to_be_nil()
  expect(time.parse(nil)).to_be_nil()
end)

test("counts whole days since a time", function()
  expect(time.days_since("2026-01-01", time.parse("2026-01-05T09:00:00Z"))).to_be(4)
end)
