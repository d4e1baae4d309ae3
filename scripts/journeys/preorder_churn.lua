-- Pre-order churn: a registered contact who stops engaging (no click in
-- any of our mails for 30 days) gets one win-back mail. Still nothing two
-- weeks later: we stop mailing them marketing (suppressed = true, which
-- the marketing journeys check) instead of burning the sender's reputation.
-- Every click starts the 30 days again. A pre-order ends the watch.
local j = journey "preorder_churn" {
  entry    = on "preorder.registered",
  exit     = { on "email.unsubscribe", on "preorder.cancelled" },
  goal     = on "order.placed",
  category = "marketing",
  priority = 30,                     -- never crowds out the countdown or the launch
  window   = { hours = "09:00-20:00", days = "mon-fri" },
}

function j.start(c)
  return c:wait_for("email.click", { timeout = "30d", matched = "start", timed_out = "win_back" })
end

function j.win_back(c)
  c:send "preorder-winback"
  return c:wait_for("email.click", { timeout = "14d", matched = "won_back", timed_out = "suppress" })
end

function j.won_back(c)
  return c:go "start"                -- engaged again: watch the next 30 days
end

function j.suppress(c)
  c:set("suppressed", true)
  c:set("suppressed_reason", "no click in 30 days, nor on the win-back")
  return c:exit "suppressed"
end

return j
