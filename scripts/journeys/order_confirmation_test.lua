-- The receipt for each order placed, whatever else the contact receives.
local order = {
  order = "A-1042", total = 54.90, shipping = 4.90,
  items = { { name = "Photo book A4", quantity = 1, price = 39.90 },
            { name = "Prints 10x15", quantity = 20, price = 10.00 } },
}

local function placed(at, data) return { at = at, type = "order.placed", data = data or order } end

test("confirms an order at once", function()
  local t = simulate { journey = "journeys/order_confirmation.lua", events = { placed("0") } }
  expect(t:find("send", "order-confirmation").at).to_be(0)
  expect(t:ended().detail).to_be("sent")
end)

test("confirms every order, not only the first", function()
  local t = simulate { journey = "journeys/order_confirmation.lua",
                       events = { placed("0"), placed("2h"), placed("3d") } }
  expect(t:sent()).to_equal({ "order-confirmation", "order-confirmation", "order-confirmation" })
  expect(t.contact.orders).to_be(3)
end)

test("is never capped, not even after a day of marketing mail", function()
  local t = simulate { journey = "journeys/order_confirmation.lua", policy = "policy.lua",
                       events = { placed("0"), placed("1m"), placed("2m"), placed("3m") } }
  expect(t:sent()).to_have_length(4)
  expect(t:of("capped")).to_have_length(0)
end)

test("is sent at night too", function()
  local t = simulate { journey = "journeys/order_confirmation.lua", start = "2026-01-05T02:30:00Z",
                       contact = { timezone = "Europe/Amsterdam" }, events = { placed("0") } }
  expect(t:find("send", "order-confirmation").at).to_be(0)
end)

test("remembers when the contact last ordered", function()
  local t = simulate { journey = "journeys/order_confirmation.lua", events = { placed("1d") } }
  expect(t.contact.last_order_at).to_be("2026-01-06T09:00:00Z")
end)

test("sends nothing for an order without line items", function()
  local t = simulate { journey = "journeys/order_confirmation.lua",
                       events = { placed("0", { order = "A-1", items = {} }) } }
  expect(t:sent()).to_equal({})
  expect(t:ended().detail).to_be("order without line items")
end)
