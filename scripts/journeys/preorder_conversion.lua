-- Pre-order conversion: when pre-orders open, each registered contact gets
-- a personal voucher (event "voucher.issued" with data.code, from the
-- launch campaign). The goal is a pre-order that uses a voucher; other
-- orders (accessories, say) do not count and do not end the journey.
-- One reminder after 3 days if the voucher is still unused, then a last
-- call before it expires on day 7.
local j = journey "preorder_conversion" {
  entry    = on "voucher.issued",
  exit     = on "email.unsubscribe",
  goal     = on("order.placed", { where = function(ev) return ev.data.voucher ~= nil end }),
  category = "marketing",
  priority = 80,                     -- the launch beats every other campaign
  window   = { hours = "09:00-21:00" },
}

function j.start(c)
  c.vars.code = c.event.data.code
  c:send("preorder-voucher", { data = { code = c.vars.code } })
  return c:wait("3d", "remind")
end

function j.remind(c)
  c:send("preorder-reminder", { data = { code = c.vars.code, expires = "in 4 days" } })
  return c:wait("3d", "last_call")
end

function j.last_call(c)
  c:send("preorder-reminder", { data = { code = c.vars.code, expires = "tomorrow" } })
  return c:wait("1d", "expired")
end

function j.expired(c)
  c:set("preorder_voucher", "expired")
  return c:exit "voucher unused"
end

return j
