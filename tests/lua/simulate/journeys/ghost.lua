-- Sends a template the templates directory does not hold.
local j = journey "ghost" { entry = on "ghost.start" }
function j.start(c) c:send "ghost" return c:exit() end
return j
