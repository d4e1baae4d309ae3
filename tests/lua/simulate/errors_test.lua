-- simulate{...} misused: an error at the test's line that says what is wrong.
local function run(spec) return function() simulate(spec) end end

test("an unknown option is an error that lists the known ones", function()
  expect(run { journey = "journeys/news.lua", event = "x@0" })
    .to_fail("errors_test.lua:2: simulate: unknown option event (known: journey,")
end)

test("a file that registers no journey is an error", function()
  expect(run { journey = "journeys/none.lua" })
    .to_fail("simulate: journeys/none.lua registers no journey")
end)

test("the journey is required", function()
  expect(run {}).to_fail("simulate: journey: want a file")
end)

test("a policy file that registers no policy is an error", function()
  expect(run { journey = "journeys/news.lua", policy = "journeys/news.lua" })
    .to_fail("simulate: policy: journeys/news.lua registers no policy")
end)

test("a bad offset names the event", function()
  expect(run { journey = "journeys/news.lua", events = { { at = "soon", type = "news.start" } } })
    .to_fail("simulate: events[1]: ")
end)

test("an event before the start is refused", function()
  expect(run { journey = "journeys/news.lua", events = { { at = "-1d", type = "news.start" } } })
    .to_fail("is before the start")
end)

test("a bad event type is refused", function()
  expect(run { journey = "journeys/news.lua", events = { { type = "News Start" } } })
    .to_fail("simulate: events[1]: type \"News Start\"")
end)

test("events files cannot be read", function()
  expect(run { journey = "journeys/news.lua", events = "@/etc/passwd" })
    .to_fail("a test cannot read files")
end)

test("days must be a whole number in range", function()
  expect(run { journey = "journeys/news.lua", days = 0 }).to_fail("days: want a whole number")
end)

test("start must be ISO 8601", function()
  expect(run { journey = "journeys/news.lua", start = "monday" }).to_fail("simulate: start: ")
end)

test("a send of a template that --templates lacks is an error", function()
  expect(run { journey = "journeys/ghost.lua", events = "ghost.start@0" })
    .to_fail("simulate: ghost sends template \"ghost\": no ghost.tpl in")
end)
