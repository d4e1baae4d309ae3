-- Nurture warm leads weekly, by interest, until they turn hot.
local DAY = 86400

local function nurture(contact, events)
  contact.stage = contact.stage or "warm"  -- a warm lead enters from the start
  return simulate { journey = "journeys/nurture.lua", contact = contact, events = events }
end

test("a warm lead enters and gets a mail a week for three weeks", function()
  local t = nurture {}
  expect(t:find("enter").detail).to_be("in_segment warm_leads")
  expect(#t:sent()).to_be(3)
  expect(t:of("send")[3].at).to_be(14 * DAY)
end)

test("the series follows the lead's interest", function()
  local t = nurture { interest = "electric" }
  expect(t:sent()).to_equal({ "nurture-electric-range", "nurture-electric-charging",
                              "nurture-testdrive" })
end)

test("without an interest, the first topic from the preference page", function()
  local t = nurture { topics = { "suv", "electric" } }
  expect(t:sent()[1]).to_be("nurture-suv-space")
end)

test("an unknown interest gets the general series", function()
  local t = nurture { interest = "boats" }
  expect(t:sent()[1]).to_be("nurture-general-range")
end)

test("a lead that turns hot leaves nurture while it waits", function()
  local t = nurture({ interest = "suv" }, { { at = "8d", type = "lead.hot" } })
  expect(t:sent()).to_equal({ "nurture-suv-space", "nurture-suv-safety" })
  expect(t:ended().detail).to_be("on lead.hot")
end)

test("cold and hot leads do not enter", function()
  expect(nurture({ stage = "cold" }):kinds()).to_equal({})
  expect(nurture({ stage = "hot" }):kinds()).to_equal({})
end)

test("suppressed contacts do not enter", function()
  expect(nurture({ suppressed = true }):kinds()).to_equal({})
end)

test("lead classification makes a lead warm, and nurture takes it from there", function()
  local t = simulate { journey = { "journeys/lead_classification.lua", "journeys/nurture.lua" },
                       events = { { at = "0", type = "brochure.downloaded" },
                                  { at = "1h", type = "email.click" } } }
  expect(t:find("enter", "start").journey).to_be("lead_classification")
  expect(t:find("send").journey).to_be("nurture")
  expect(t:find("send").at).to_be(3600)
end)

test("the booked test drive turns the lead hot and ends nurture", function()
  local t = simulate { journey = { "journeys/lead_classification.lua", "journeys/nurture.lua" },
                       contact = { score = 20, stage = "warm" },
                       events = { { at = "2d", type = "testdrive.booked" } } }
  expect(t:sent()).to_have_length(1)
  expect(t:ended("nurture").detail).to_be("on lead.hot")
end)
