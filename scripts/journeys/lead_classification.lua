-- Lead classification: every engagement event adds to the contact's score,
-- and the score decides the stage, kept as the attribute `stage`:
-- cold below 20, warm from 20, hot from 50 (the hot_leads segment). When a
-- lead turns hot it emits "lead.hot", which ends nurture and can alert
-- sales. Nothing is sent: each event enters, scores and leaves at once.
local j = journey "lead_classification" {
  entry   = { on "email.open", on "email.click", on "page.visit", on "brochure.downloaded",
              on "testdrive.booked" },
  reentry = "always",                -- every event scores
}

-- Points per event type: what says "buying" more scores more.
local points = {
  ["email.open"]          = 1,
  ["email.click"]         = 5,
  ["page.visit"]          = 3,
  ["brochure.downloaded"] = 15,
  ["testdrive.booked"]    = 40,
}

local function stage_of(score)
  if score >= 50 then return "hot" end
  if score >= 20 then return "warm" end
  return "cold"
end

function j.start(c)
  local gained = points[c.event.type]
  local score = (c.contact.score or 0) + gained
  c:score(gained)
  local stage = stage_of(score)
  if stage ~= c.contact.stage then
    c:set("stage", stage)
    if stage == "hot" then c:emit("lead.hot", { score = score }) end
  end
  return c:exit()
end

return j
