-- Order confirmation: the receipt for every order a shop reports through
-- the events API (POST /v1/events, type "order.placed"). The event's data
-- (order id, line items, totals, shipping address) becomes the template's
-- `data`, so the shop decides what the receipt shows.
-- Transactional: the customer is waiting for it, so no cap or window
-- delays it; highest priority, so it goes first when journeys clash.
local j = journey "order_confirmation" {
  entry    = on "order.placed",
  reentry  = "always",             -- one receipt per order
  category = "transactional",
  priority = 100,
}

function j.start(c)
  local order = c.event.data
  if type(order.items) ~= "table" or #order.items == 0 then
    return c:exit "order without line items"   -- nothing to confirm; the shop's bug
  end
  c:send("order-confirmation", { data = order })
  -- Kept on the contact for segments (buyers, lapsed customers) and the survey.
  c:set("orders", (c.contact.orders or 0) + 1)
  c:set("last_order_at", c.event.at)
  return c:exit "sent"
end

return j
