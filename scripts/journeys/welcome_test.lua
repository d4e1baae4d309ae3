-- The welcome series: hello, tips, and a voucher for those who do not click.
local DAY = 86400

local function welcome(events, opts)
  local spec = { journey = "journeys/welcome.lua",
                 events = { { at = "0", type = "contact.confirmed" } } }
  for _, ev in ipairs(events or {}) do spec.events[#spec.events + 1] = ev end
  for k, v in pairs(opts or {}) do spec[k] = v end
  return simulate(spec)
end

test("sends hello, tips after 2 days and the voucher 3 days later", function()
  local t = welcome()
  expect(t:sent()).to_equal({ "welcome-1", "welcome-tips", "welcome-voucher" })
  expect(t:find("send", "welcome-tips").at).to_be(2 * DAY)
  expect(t:find("send", "welcome-voucher").at).to_be(5 * DAY)
end)

test("a click on the tips replaces the voucher", function()
  local t = welcome { { at = "50h", type = "email.click" } }
  expect(t:sent()).to_equal({ "welcome-1", "welcome-tips" })
  expect(t:ended().detail).to_be("clicked the tips")
  expect(t.contact.stage).to_be("warm")
end)

test("an order ends the series as a conversion", function()
  local t = welcome { { at = "1d", type = "order.placed" } }
  expect(t:sent()).to_equal({ "welcome-1" })
  expect(t:ended().kind).to_be("goal")
end)

test("an unsubscribe ends the series", function()
  local t = welcome { { at = "3d", type = "email.unsubscribe" } }
  expect(t:sent()).to_equal({ "welcome-1", "welcome-tips" })
  expect(t:ended().kind).to_be("exit")
end)

test("a confirmation late in the evening is welcomed the next morning", function()
  local t = welcome(nil, { start = "2026-01-05T21:30:00Z", contact = { timezone = "Europe/Berlin" } })
  -- 22:30 in Berlin: the hello waits for 08:00 Berlin time (07:00 UTC).
  expect(t:find("send", "welcome-1").at).to_be(9 * 3600 + 30 * 60)
end)

test("no mail on Sundays", function()
  local t = welcome(nil, { start = "2026-01-09T10:00:00Z" }) -- a Friday: tips fall on Sunday
  expect(t:find("send", "welcome-tips").at).to_be(3 * DAY - 2 * 3600) -- Monday 08:00
end)
