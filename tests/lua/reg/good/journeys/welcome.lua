-- The shape of DESIGN 4.6, every option given.
local j = journey "welcome" {
  entry    = on "contact.confirmed",
  exit     = { on "order.placed", on "email.unsubscribe" },
  goal     = on "order.placed",
  reentry  = "30d",
  category = "marketing",
  priority = 70,
  window   = { hours = "08:00-20:00", days = "mon-sat" },
  tenant   = { "nl", "be" },
}

function j.start(c)
  c:send "welcome-1"
  return c:wait("2d", "tips")
end

function j.tips(c)
  return c:wait_for("email.click", { timeout = "5d", matched = "engaged", timed_out = "nudge" })
end

function j.engaged(c) return c:exit() end
function j.nudge(c) return c:exit() end

return j
