-- Welcome series for new subscribers, after the double opt-in: a hello at
-- once, tips two days later, and a first-order voucher for those who did
-- not click the tips. An order ends the series from any step, also while
-- it waits (the goal: counted as a conversion); so does an unsubscribe.
local j = journey "welcome" {
  entry    = on "contact.confirmed",
  exit     = on "email.unsubscribe",
  goal     = on "order.placed",
  reentry  = "never",
  category = "marketing",
  priority = 60,                                  -- above nurture, below transactional mail
  window   = { hours = "08:00-20:00", days = "mon-sat" },
}

function j.start(c)
  c:send "welcome-1"
  return c:wait("2d", "tips")
end

function j.tips(c)
  c:send "welcome-tips"
  -- A click on the tips shows interest: no voucher needed.
  return c:wait_for("email.click", { timeout = "3d", matched = "engaged", timed_out = "voucher" })
end

function j.engaged(c)
  c:set("stage", c.contact.stage or "warm")
  return c:exit "clicked the tips"
end

function j.voucher(c)
  c:send("welcome-voucher", { data = { code = "WELCOME10", valid_days = 14 } })
  return c:exit "voucher sent"
end

return j
