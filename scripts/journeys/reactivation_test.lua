-- Lapsed customers: a voucher, a reminder after the country's pause, then we let go.
local DAY = 86400
local long_ago = "2024-03-01T12:00:00Z"

local function lapsed(contact, events)
  contact.orders = contact.orders or 3
  contact.last_order_at = contact.last_order_at or long_ago
  return simulate { journey = "journeys/reactivation.lua", contact = contact, events = events }
end

test("a lapsed customer gets the voucher at once", function()
  local t = lapsed {}
  expect(t:find("enter").detail).to_be("in_segment lapsed_customers")
  expect(t:find("send", "reactivation-voucher").at).to_be(3600) -- 10:00, when the window opens
end)

test("the reminder follows after the country's pause", function()
  expect(lapsed({ country = "NL" }):find("send", "reactivation-reminder").at).to_be(5 * DAY + 3600)
  expect(lapsed({ country = "fr" }):find("send", "reactivation-reminder").at).to_be(10 * DAY + 3600)
  expect(lapsed({ country = "es" }):find("send", "reactivation-reminder").at).to_be(7 * DAY + 3600)
end)

test("mails go out in the contact's own daytime", function()
  local t = lapsed { country = "de", timezone = "America/New_York" }
  expect(t:find("send", "reactivation-voucher").at).to_be(6 * 3600) -- 10:00 in New York
end)

test("an order wins the customer back", function()
  local t = lapsed({}, { { at = "2d", type = "order.placed" } })
  expect(t:sent()).to_equal({ "reactivation-voucher" })
  expect(t:ended().kind).to_be("goal")
end)

test("no order at all: marked lapsed", function()
  local t = lapsed {}
  expect(t:ended().detail).to_be("no order")
  expect(t.contact.lifecycle).to_be("lapsed")
end)

test("a recent customer is not lapsed", function()
  local recent = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 10 * DAY)
  expect(lapsed({ last_order_at = recent }):kinds()).to_equal({})
end)

test("a contact who never ordered is not lapsed", function()
  expect(lapsed({ orders = 0 }):kinds()).to_equal({})
end)
