-- A journey with quiet hours: steps that send wait for 08:00-20:00 local time.
local j = journey "win" {
  entry = on "test.start",
  window = { hours = "08:00-20:00", days = "mon-fri" },
}

function j.start(c) c:send "hello" return c:wait("1d", "silent") end
function j.silent(c) c:set("stage", "quiet") return c:exit() end

return j
