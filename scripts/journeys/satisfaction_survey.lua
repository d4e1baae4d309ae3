-- Satisfaction survey: five days after an order is delivered (the shop's
-- "order.delivered" event, with data.order), we ask how it went: time to
-- unpack and use it, while it is still fresh. No new survey within 30 days
-- of the last one ending, however often someone orders; none for an order
-- sent back.
local j = journey "satisfaction_survey" {
  entry    = on "order.delivered",
  exit     = { on "order.returned", on "email.unsubscribe" },
  reentry  = "30d",                  -- counted from the end of the last survey
  category = "marketing",
  priority = 45,
  window   = { hours = "10:00-19:00" },
}

local DELAY = "5d"

function j.start(c)
  c.vars.order = c.event.data.order
  return c:wait(DELAY, "ask")
end

function j.ask(c)
  c:send("survey", { data = { order = c.vars.order } })
  return c:wait_for("survey.answered", { timeout = "7d", matched = "answered", timed_out = "done" })
end

-- The survey page reports each answer through the events API:
-- "survey.answered" with data.rating (1..5).
function j.answered(c)
  local rating = tonumber(c.event.data.rating)
  if rating then c:set("last_rating", rating) end
  return c:exit "answered"
end

function j.done(c) return c:exit "no answer" end

return j
