-- The double opt-in journey on a virtual clock: what a new subscriber gets
-- when they confirm at once, late, or never.
local DAY = 86400

local function subscribe(events)
  local all = { { at = "0", type = "contact.subscribed" } }
  for _, ev in ipairs(events or {}) do all[#all + 1] = ev end
  return simulate { journey = "journeys/double_opt_in.lua", events = all }
end

test("sends the confirmation mail at once", function()
  local t = subscribe()
  expect(t:find("send", "doi-confirm").at).to_be(0)
end)

test("a confirmation ends the journey without a reminder", function()
  local t = subscribe { { at = "3h", type = "contact.confirmed" } }
  expect(t:sent()).to_equal({ "doi-confirm" })
  expect(t:ended().detail).to_be("confirmed")
  expect(t.contact.optin).to_be("confirmed")
end)

test("reminds after 2 days without a confirmation", function()
  local t = subscribe()
  expect(t:find("send", "doi-reminder").at).to_be(2 * DAY)
end)

test("a confirmation after the reminder still counts", function()
  local t = subscribe { { at = "4d", type = "contact.confirmed" } }
  expect(t:sent()).to_equal({ "doi-confirm", "doi-reminder" })
  expect(t.contact.optin).to_be("confirmed")
end)

test("expires 7 days after the first mail", function()
  local t = subscribe()
  expect(t:ended().at).to_be(7 * DAY)
  expect(t.contact.optin).to_be("expired")
end)

test("an unsubscribe ends it while it waits", function()
  local t = subscribe { { at = "1d", type = "email.unsubscribe" } }
  expect(t:ended().detail).to_be("on email.unsubscribe")
  expect(t:sent()).to_equal({ "doi-confirm" })
end)
