-- Customer segments, from what order confirmation keeps on the contact
-- (orders, last_order_at).
local time = require "lib.time"

local LAPSED_AFTER_DAYS = 180

-- Bought before, nothing for half a year: reactivation (journeys/reactivation.lua).
-- "Half a year" counts to the real clock (os.time), also in tern simulate and tern test.
segment "lapsed_customers" {
  where = function(contact)
    local days = time.days_since(contact.last_order_at, os.time())
    return (contact.orders or 0) > 0 and days ~= nil and days >= LAPSED_AFTER_DAYS
       and not contact.suppressed
  end,
  refresh = "1d",
}

-- Everyone who ordered at least once: for reports and exclusions, in PostgreSQL.
segment "buyers" { sql = "(attributes->>'orders')::int > 0" }
