-- A second marketing journey on the same event, of higher priority: it wins a clash.
local j = journey "promo" { entry = on "news.start", priority = 80 }
function j.start(c) c:send "promo" return c:exit() end
return j
