-- Double opt-in: a new subscriber gets a confirmation mail; without a
-- confirmation a reminder follows after 2 days, and the request expires
-- 7 days after the first mail. Confirming (the link in either mail, which
-- records contact.confirmed) moves the waiting journey to `confirmed`.
-- Confirmation mail is transactional: the subscriber asked for it.
local j = journey "double_opt_in" {
  entry    = on "contact.subscribed",
  exit     = on "email.unsubscribe",
  reentry  = "30d",
  category = "transactional",
  priority = 90,
}

function j.start(c)
  c:set("optin", "pending")
  c:send "doi-confirm"
  return c:wait_for("contact.confirmed", { timeout = "2d", matched = "confirmed", timed_out = "remind" })
end

function j.remind(c)
  c:send "doi-reminder"
  return c:wait_for("contact.confirmed", { timeout = "5d", matched = "confirmed", timed_out = "expire" })
end

function j.confirmed(c)
  c:set("optin", "confirmed")
  return c:exit "confirmed"
end

function j.expire(c)
  c:set("optin", "expired")
  return c:exit "not confirmed within 7 days"
end

return j
