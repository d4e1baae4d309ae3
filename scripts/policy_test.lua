-- The shipped policy across journeys: caps per contact, whichever journeys
-- want to mail; transactional mail untouched.
local DAY = 86400
local journeys = { "journeys/welcome.lua", "journeys/preorder_conversion.lua",
                   "journeys/order_confirmation.lua" }

local function with_policy(events)
  return simulate { journey = journeys, policy = "policy.lua", events = events }
end

test("a second marketing mail on the same day waits until the cap frees", function()
  local t = with_policy { { at = "0", type = "contact.confirmed" },
                          { at = "1h", type = "voucher.issued", data = { code = "PRE-1" } } }
  expect(t:find("send", "welcome-1").at).to_be(0)
  expect(t:find("capped", "preorder-voucher").detail).to_contain("cap 1/1d")
  expect(t:find("send", "preorder-voucher").at).to_be(DAY)
end)

test("no more than three marketing mails in a week", function()
  local t = with_policy { { at = "0", type = "contact.confirmed" },
                          { at = "0", type = "voucher.issued", data = { code = "PRE-1" } } }
  local in_first_week = 0
  for _, e in ipairs(t:of("send")) do
    if e.at < 7 * DAY then in_first_week = in_first_week + 1 end
  end
  expect(in_first_week).to_be(3)
end)

test("order confirmations are never held by the caps", function()
  local items = { { name = "Mug", quantity = 1, price = 9 } }
  local t = with_policy { { at = "0", type = "contact.confirmed" },
                          { at = "1h", type = "order.placed", data = { order = "A-1", items = items } } }
  expect(t:find("send", "order-confirmation").at).to_be(3600)
end)
