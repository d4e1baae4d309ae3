-- Asking for channel and topics, and what an answer changes.
local DAY = 86400
local confirmed = { at = "0", type = "contact.confirmed" }

local function prefs(...)
  return simulate { journey = "journeys/contact_preference.lua", events = { confirmed, ... } }
end

local function answer(at, data) return { at = at, type = "preferences.updated", data = data } end

test("asks a week after the confirmation", function()
  local t = prefs()
  expect(t:find("send", "preferences-ask").at).to_be(7 * DAY)
end)

test("asks once more a week later, then leaves the defaults", function()
  local t = prefs()
  expect(t:sent()).to_equal({ "preferences-ask", "preferences-reminder" })
  expect(t:find("send", "preferences-reminder").at).to_be(14 * DAY)
  expect(t:ended().detail).to_be("no answer")
end)

test("an answer ends the journey and is remembered", function()
  local t = prefs(answer("8d", { topics = { "electric" }, channel = "email", frequency = "weekly" }))
  expect(t:sent()).to_equal({ "preferences-ask" })
  expect(t:ended().detail).to_be("saved")
  expect(t.contact.preferences_saved_at).to_be("2026-01-13T09:00:00Z")
end)

test("choosing no channel suppresses marketing mail", function()
  local t = prefs(answer("8d", { topics = {}, channel = "none" }))
  expect(t.contact.suppressed).to_be(true)
end)

test("an answer before the question means no question", function()
  local t = prefs(answer("2d", { topics = { "suv" }, channel = "email" }))
  expect(t:sent()).to_equal({})
  expect(t:ended().detail).to_be("saved before we asked")
end)
