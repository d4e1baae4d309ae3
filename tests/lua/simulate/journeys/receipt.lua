-- A transactional mail at the same instant as the series: never capped.
local j = journey "receipt" { entry = on "news.start", category = "transactional" }
function j.start(c) c:send "receipt" return c:exit() end
return j
