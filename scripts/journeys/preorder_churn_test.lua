-- No engagement for 30 days: one win-back, then no more marketing mail.
local DAY = 86400
local registered = { at = "0", type = "preorder.registered" }

local function churn(...)
  return simulate { journey = "journeys/preorder_churn.lua", days = 90,
                    events = { registered, ... } }
end

test("a silent contact gets the win-back after 30 days", function()
  local t = churn()
  expect(t:find("send", "preorder-winback").at).to_be(30 * DAY)
end)

test("still silent two weeks later: suppressed", function()
  local t = churn()
  expect(t:ended().detail).to_be("suppressed")
  expect(t:ended().at).to_be(44 * DAY)
  expect(t.contact.suppressed).to_be(true)
end)

test("a click starts the 30 days again", function()
  local t = churn { at = "20d", type = "email.click" }
  expect(t:find("send", "preorder-winback").at).to_be(50 * DAY)
end)

test("a click on the win-back keeps the contact for another 30 days", function()
  local t = churn { at = "35d", type = "email.click" }
  expect(t:sent()).to_equal({ "preorder-winback", "preorder-winback" })
  expect(t:of("send")[2].at).to_be(65 * DAY)
end)

test("a pre-order ends the watch as a conversion", function()
  local t = churn { at = "10d", type = "order.placed" }
  expect(t:sent()).to_equal({})
  expect(t:ended().kind).to_be("goal")
end)

test("a win-back due on a Saturday waits for Monday 09:00", function()
  local t = simulate { journey = "journeys/preorder_churn.lua", start = "2026-01-08T10:00:00Z",
                       events = { registered }, days = 40 } -- 30 days later is a Saturday
  expect(t:find("send", "preorder-winback").at).to_be(32 * DAY - 3600)
end)
