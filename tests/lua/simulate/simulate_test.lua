-- simulate{...}: the timeline of the journeys a test names, and its helpers.
local DAY = 86400
local start = { { at = "0", type = "news.start" } }

test("returns one entry per line of the timeline", function()
  local t = simulate { journey = "journeys/news.lua", events = start }
  expect(t[1]).to_equal({ at = 0, journey = "news", kind = "enter", step = "start",
                          detail = "on news.start" })
  expect(t:kinds()).to_equal({ "enter", "step", "send", "wait", "step", "send", "exit" })
end)

test("sent lists the templates in order", function()
  local t = simulate { journey = "journeys/news.lua", events = start }
  expect(t:sent()).to_equal({ "news-1", "news-2" })
end)

test("at counts seconds from the start", function()
  local t = simulate { journey = "journeys/news.lua", events = start }
  expect(t:find("send", "news-2").at).to_be(DAY)
end)

test("find matches a step name too", function()
  local t = simulate { journey = "journeys/news.lua", events = start }
  expect(t:find("step", "second").at).to_be(DAY)
  expect(t:find("send", "nothing")).to_be_nil()
end)

test("of lists the entries of one kind", function()
  local t = simulate { journey = "journeys/news.lua", events = start }
  expect(t:of("send")).to_have_length(2)
end)

test("ended is the exit entry with its reason", function()
  local t = simulate { journey = "journeys/news.lua", events = start }
  expect(t:ended().detail).to_be("series done")
end)

test("ended is nil while the journey still waits", function()
  local t = simulate { journey = "journeys/news.lua", events = "news.start@20h", days = 1 }
  expect(t:ended()).to_be_nil()
end)

test("ended reports a goal", function()
  local t = simulate { journey = "journeys/news.lua",
                       events = { start[1], { at = "2h", type = "order.placed" } } }
  expect(t:ended().kind).to_be("goal")
end)

test("contact holds the attributes and the score the steps set", function()
  local t = simulate { journey = "journeys/news.lua", events = start,
                       contact = { first_name = "Ada", score = 10, trial = true } }
  expect(t.contact.stage).to_be("warm")
  expect(t.contact.score).to_be(15)
  expect(t.contact.first_name).to_be("Ada")
  expect(t.contact.trial).to_be_nil()
end)

test("events may be inline TYPE@OFFSET text", function()
  local t = simulate { journey = "journeys/news.lua", events = "news.start@0,news.stop@2h" }
  expect(t:ended().detail).to_be("on news.stop")
end)

test("an event's at may be seconds after the start", function()
  local t = simulate { journey = "journeys/news.lua", events = { { at = 3600, type = "news.start" } } }
  expect(t[1].at).to_be(3600)
end)

test("without a policy nothing is capped", function()
  local t = simulate { journey = { "journeys/news.lua", "journeys/promo.lua" }, events = start }
  expect(t:find("send", "news-1").at).to_be(0)
  expect(t:find("send", "promo").at).to_be(0)
end)

test("the named policy defers the lower priority's mail", function()
  local t = simulate { journey = { "journeys/news.lua", "journeys/promo.lua" }, events = start,
                       policy = "policy.lua" }
  expect(t:find("send", "promo").at).to_be(0)
  expect(t:find("capped", "news-1").detail).to_contain("cap 1/1d")
  expect(t:find("send", "news-1").at).to_be(DAY)
end)

test("the policy never caps transactional mail", function()
  local t = simulate { journey = { "journeys/promo.lua", "journeys/receipt.lua" }, events = start,
                       policy = "policy.lua" }
  expect(t:sent()).to_equal({ "promo", "receipt" })
end)

test("a failing step is an error entry with file:line", function()
  local t = simulate { journey = "journeys/flaky.lua", events = "flaky.start@0" }
  expect(t:find("error").detail).to_match("^journeys/flaky%.lua:3: ")
end)

test("a file listed twice runs its journeys once", function()
  local t = simulate { journey = { "journeys/news.lua", "journeys/news.lua" }, events = start }
  expect(t:of("enter")).to_have_length(1)
end)

test("a template of the contact's tenant counts for --templates", function()
  local t = simulate { journey = "journeys/ghost.lua", events = "ghost.start@0",
                       contact = { tenant = "nl" } }
  expect(t:sent()).to_equal({ "ghost" })
end)
