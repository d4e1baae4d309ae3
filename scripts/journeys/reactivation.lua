-- Reactivation of lapsed customers: a contact who joins the segment
-- lapsed_customers (ordered before, nothing for 180 days) gets a "we miss
-- you" voucher, and a last reminder after a pause each country team
-- chooses. An order is the goal. No answer at all: the contact is marked
-- lapsed, and may come back in half a year.
local j = journey "reactivation" {
  entry    = in_segment "lapsed_customers",
  exit     = on "email.unsubscribe",
  goal     = on "order.placed",
  reentry  = "180d",
  category = "marketing",
  priority = 35,
  window   = { hours = "10:00-20:00" },   -- in each contact's own time zone
}

-- Per country (the contact's `country`): how long to wait before the reminder.
local timing = {
  nl      = { reminder = "5d" },
  de      = { reminder = "7d" },
  fr      = { reminder = "10d" },
  default = { reminder = "7d" },
}

local function timing_for(contact)
  return timing[string.lower(contact.country or "")] or timing.default
end

function j.start(c)
  c:send("reactivation-voucher", { data = { code = "COMEBACK15" } })
  return c:wait(timing_for(c.contact).reminder, "remind")
end

function j.remind(c)
  c:send("reactivation-reminder", { data = { code = "COMEBACK15" } })
  return c:wait("14d", "give_up")
end

function j.give_up(c)
  c:set("lifecycle", "lapsed")
  return c:exit "no order"
end

return j
