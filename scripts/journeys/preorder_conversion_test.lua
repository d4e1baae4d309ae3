-- From voucher to pre-order: reminders only while the voucher is unused.
local DAY = 86400
local issued = { at = "0", type = "voucher.issued", data = { code = "PRE-7F3K" } }

local function convert(...)
  return simulate { journey = "journeys/preorder_conversion.lua", events = { issued, ... } }
end

test("sends the voucher, a reminder after 3 days and a last call on day 6", function()
  local t = convert()
  expect(t:sent()).to_equal({ "preorder-voucher", "preorder-reminder", "preorder-reminder" })
  expect(t:of("send")[2].at).to_be(3 * DAY)
  expect(t:of("send")[3].at).to_be(6 * DAY)
end)

test("an unused voucher expires on day 7", function()
  local t = convert()
  expect(t:ended().detail).to_be("voucher unused")
  expect(t:ended().at).to_be(7 * DAY)
  expect(t.contact.preorder_voucher).to_be("expired")
end)

test("a pre-order with the voucher is the goal and stops the reminders", function()
  local t = convert { at = "1d", type = "order.placed", data = { voucher = "PRE-7F3K" } }
  expect(t:sent()).to_equal({ "preorder-voucher" })
  expect(t:ended().kind).to_be("goal")
end)

test("an order without the voucher does not count", function()
  local t = convert { at = "1d", type = "order.placed", data = { items = { "floor mats" } } }
  expect(t:find("send", "preorder-reminder")).to_be_truthy()
  expect(t:of("goal")).to_have_length(0)
end)

test("an unsubscribe stops the reminders", function()
  local t = convert { at = "2d", type = "email.unsubscribe" }
  expect(t:sent()).to_equal({ "preorder-voucher" })
end)
