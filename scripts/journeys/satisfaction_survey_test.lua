-- The survey after a delivery: when, how often, and what an answer keeps.
local DAY = 86400

local function delivered(at, order) return { at = at, type = "order.delivered", data = { order = order } } end

local function survey(...)
  return simulate { journey = "journeys/satisfaction_survey.lua", days = 60, events = { ... } }
end

test("asks five days after the delivery", function()
  local t = survey(delivered("0", "A-1"))
  expect(t:find("send", "survey").at).to_be(5 * DAY + 3600) -- 09:00 is before the window
end)

test("no second survey within 30 days of the last one ending", function()
  -- The first ends on day 12 (a week without an answer): A-2 and A-3 get none, A-4 does.
  local t = survey(delivered("0", "A-1"), delivered("10d", "A-2"), delivered("40d", "A-3"),
                   delivered("45d", "A-4"))
  expect(t:sent()).to_equal({ "survey", "survey" })
  expect(t:of("send")[2].at).to_be(50 * DAY + 3600)
end)

test("no survey for an order sent back", function()
  local t = survey(delivered("0", "A-1"), { at = "2d", type = "order.returned" })
  expect(t:sent()).to_equal({})
end)

test("keeps the rating of an answer", function()
  local t = survey(delivered("0", "A-1"), { at = "6d", type = "survey.answered", data = { rating = 4 } })
  expect(t.contact.last_rating).to_be(4)
  expect(t:ended().detail).to_be("answered")
end)

test("without an answer the survey ends a week later", function()
  local t = survey(delivered("0", "A-1"))
  expect(t:ended().detail).to_be("no answer")
end)
