-- Nurture: warm leads (segment warm_leads) get one mail a week for three
-- weeks about what interests them: the attribute `interest` from the lead
-- form, else the first topic they chose on the preference page, else our
-- general series. A lead that turns hot (lead.hot, from lead
-- classification) is for sales now: nurture stops, also while it waits.
local j = journey "nurture" {
  entry    = in_segment "warm_leads",
  exit     = { on "lead.hot", on "email.unsubscribe", on "order.placed" },
  reentry  = "90d",
  category = "marketing",
  priority = 40,                     -- welcome and launch mails go first
  window   = { hours = "09:00-18:00", days = "mon-fri" },
}

-- The series per interest, one template a week.
local series = {
  electric = { "nurture-electric-range", "nurture-electric-charging", "nurture-testdrive" },
  suv      = { "nurture-suv-space", "nurture-suv-safety", "nurture-testdrive" },
  general  = { "nurture-general-range", "nurture-general-service", "nurture-testdrive" },
}

local function interest_of(contact)
  local topics = type(contact.topics) == "table" and contact.topics or {}
  local interest = contact.interest or topics[1]
  return series[interest] and interest or "general"
end

function j.start(c)
  c.vars.interest = interest_of(c.contact)
  c.vars.week = 1
  return c:go "mail"
end

function j.mail(c)
  if c.contact.stage == "hot" or c.contact.suppressed then return c:exit "no longer a warm lead" end
  local list = series[c.vars.interest]
  c:send(list[c.vars.week])
  if c.vars.week == #list then return c:exit "series done" end
  c.vars.week = c.vars.week + 1
  return c:wait("7d", "mail")
end

return j
