-- Pre-order countdown: people who registered interest in a new model hear
-- from us 7, 3 and 1 day before pre-orders open. The opening time is the
-- contact attribute preorder_opens_at (ISO 8601, set by the import or the
-- registration form), so one journey serves every launch and market.
-- Mails go out between 09:00 and 21:00 in the contact's time zone: a
-- countdown moment that falls in the night waits for the morning.
local time = require "lib.time"

local j = journey "preorder_countdown" {
  entry    = on "preorder.registered",
  exit     = { on "preorder.cancelled", on "email.unsubscribe" },
  category = "marketing",
  priority = 70,
  window   = { hours = "09:00-21:00" },
}

-- The countdown, in order: days before the opening.
local days_before = { 7, 3, 1 }

-- Wait for the first moment from `i` on that is still ahead; a late registration skips the rest.
local function countdown_from(c, i)
  local opens = time.parse(c.contact.preorder_opens_at)
  while days_before[i] and opens - days_before[i] * time.DAY < c.now do i = i + 1 end
  if not days_before[i] then return c:exit "pre-orders open" end
  c.vars.moment = i
  return c:wait_until(c.contact.preorder_opens_at, "-" .. days_before[i] .. "d", "remind")
end

function j.start(c)
  if not time.parse(c.contact.preorder_opens_at) then return c:exit "no pre-order date" end
  return countdown_from(c, 1)
end

function j.remind(c)
  local days = days_before[c.vars.moment]
  local when = days == 1 and "tomorrow" or ("in " .. days .. " days")
  c:send("preorder-countdown", { data = { when = when, opens_at = c.contact.preorder_opens_at } })
  return countdown_from(c, c.vars.moment + 1)
end

return j
