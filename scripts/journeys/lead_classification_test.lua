-- Scores from events, stages from scores.
local function events(list)
  local evs = {}
  for i, type in ipairs(list) do evs[i] = { at = (i - 1) * 3600, type = type } end
  return simulate { journey = "journeys/lead_classification.lua", events = evs }
end

test("each event adds its points to the score", function()
  local t = events { "email.open", "email.click", "page.visit" }
  expect(t.contact.score).to_be(9)
end)

test("a new lead is cold", function()
  expect(events({ "email.open" }).contact.stage).to_be("cold")
end)

test("20 points make a lead warm", function()
  local t = events { "brochure.downloaded", "email.click" }
  expect(t.contact.stage).to_be("warm")
end)

test("50 points make a lead hot and announce it", function()
  local t = events { "brochure.downloaded", "testdrive.booked" }
  expect(t.contact.stage).to_be("hot")
  expect(t:of("step")[1].detail).never.to_contain("lead.hot")
  expect(t:of("step")[2].detail).to_contain("emit lead.hot")
end)

test("the stage is only set when it changes", function()
  local t = events { "email.open", "email.open" }
  expect(t:of("step")[2].detail).to_be("score +1")
end)

test("sends nothing", function()
  expect(events({ "testdrive.booked", "email.click" }):sent()).to_equal({})
end)

test("starts from the score the contact has", function()
  local t = simulate { journey = "journeys/lead_classification.lua", contact = { score = 45, stage = "warm" },
                       events = "email.click@0" }
  expect(t.contact.stage).to_be("hot")
end)
