-- A marketing series of two mails a day apart; it scores and stages the contact.
local j = journey "news" { entry = on "news.start", exit = on "news.stop", goal = on "order.placed" }

function j.start(c)
  c:send "news-1"
  c:score(5)
  return c:wait("1d", "second")
end

function j.second(c)
  c:send "news-2"
  c:set("stage", "warm")
  c:set("trial", nil)
  return c:exit "series done"
end

return j
