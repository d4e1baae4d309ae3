-- A cap of one marketing mail a day that skips the mail over it: the step goes on without it.
policy { caps = { marketing = "1/1d" }, on_cap = "skip" }

local news = journey "news" { entry = on "n.go" }
function news.start(c) c:send "first" c:send "second" return c:wait("1h", "later") end
function news.later(c) c:send "third" return c:exit() end
