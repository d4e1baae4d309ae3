-- Journeys for engine_sim_test: each enters on its own event type.

local w = journey "waiter" {
  entry = on "a.start", exit = { on "a.stop", on "a.buy" }, goal = on "a.buy",
}
function w.start(c) c:send "w1" return c:wait("3d", "later") end
function w.later(c) c:send "w2" return c:exit() end

for _, r in ipairs { { "never", "never" }, { "always", "always" }, { "cool", "10d" } } do
  local j = journey(r[1]) { entry = on "r.go", reentry = r[2] }
  function j.start(c) c:send(r[1]) return c:exit() end
end

local q = journey "quiet" {
  entry = on "q.go", window = { hours = "09:00-17:00" },
}
function q.start(c) c:send "q1" return c:wait("1d", "next") end
function q.next(c) c:send "q2" return c:exit() end

local k = journey "clicky" { entry = on "k.go" }
function k.start(c)
  return c:wait_for("email.click", { timeout = "2d", matched = "yes", timed_out = "no" })
end
function k.yes(c) c:send "clicked" return c:exit() end
function k.no(c) c:send "not-clicked" return c:exit() end

local b = journey "broken" { entry = on "b.go" }
function b.start(c) return c:go(c.vars.missing.field) end
local f = journey "fine" { entry = on "b.go" }
function f.start(c) c:send "fine" return c:exit() end

local e = journey "emitter" { entry = on "e.go" }
function e.start(c) c:emit("e.next", { n = 1 }) return c:exit() end
local l = journey "listener" { entry = on("e.next", { where = function(ev) return ev.data.n == 1 end }) }
function l.start(c) c:send("heard") return c:exit() end

local s = journey "seg" { entry = in_segment "warm" }
function s.start(c) c:send "warm-welcome" return c:exit() end
segment "warm" { where = function(contact) return contact.stage == "warm" end }
local m = journey "marker" { entry = on "m.go" }
function m.start(c) c:set("stage", "warm") return c:exit() end
