-- The countdown to the pre-order opening: 7, 3 and 1 day before, in waking hours.
local DAY = 86400
local registered = { { at = "0", type = "preorder.registered" } }

local function countdown(opens_at, extra)
  extra = extra or {}
  local contact = extra.contact or {}
  contact.preorder_opens_at = opens_at
  return simulate { journey = "journeys/preorder_countdown.lua", contact = contact,
                    events = extra.events or registered }
end

test("counts down 7, 3 and 1 day before the opening", function()
  local t = countdown "2026-01-15T10:00:00Z" -- 10 days after the registration, plus one hour
  expect(t:sent()).to_equal({ "preorder-countdown", "preorder-countdown", "preorder-countdown" })
  local at = {}
  for _, e in ipairs(t:of("send")) do at[#at + 1] = e.at end
  expect(at).to_equal({ 3 * DAY + 3600, 7 * DAY + 3600, 9 * DAY + 3600 })
  expect(t:ended().detail).to_be("pre-orders open")
end)

test("a late registration skips the moments already past", function()
  local t = countdown "2026-01-07T10:00:00Z" -- 2 days ahead: only the last reminder is left
  expect(t:of("send")).to_have_length(1)
  expect(t:find("send").at).to_be(DAY + 3600)
end)

test("a moment in the night waits for 09:00 in the contact's zone", function()
  -- Opens at 06:00 UTC = 07:00 in Amsterdam: each reminder goes out at 09:00 there.
  local t = countdown("2026-01-15T06:00:00Z", { contact = { timezone = "Europe/Amsterdam" } })
  expect(t:find("send").at).to_be(3 * DAY - 1 * 3600) -- 2026-01-08T08:00:00Z
end)

test("without a pre-order date the contact leaves at once", function()
  local t = countdown(nil)
  expect(t:sent()).to_equal({})
  expect(t:ended().detail).to_be("no pre-order date")
end)

test("a cancelled registration stops the countdown", function()
  local t = countdown("2026-01-15T10:00:00Z",
                      { events = { registered[1], { at = "5d", type = "preorder.cancelled" } } })
  expect(t:of("send")).to_have_length(1)
  expect(t:ended().detail).to_be("on preorder.cancelled")
end)
