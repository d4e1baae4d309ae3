-- One journey, one step per behaviour of the enrollment object `c`;
-- engine_step_test runs each step on its own.
local j = journey "t" { entry = on "test.start" }

function j.start(c) return c:exit() end
function j.done(c) return c:exit() end

function j.wait(c) return c:wait("2d", "done") end
function j.wait_until(c) return c:wait_until(c.contact.opens_at, "-3d", "done") end
function j.wait_until_unix(c) return c:wait_until(1769817600, "done") end
function j.wait_until_past(c) return c:wait_until("2000-01-01", "done") end
function j.wait_until_far(c) return c:wait_until(math.maxinteger, "+1d", "done") end
function j.wait_for(c)
  return c:wait_for("email.click", { timeout = "5d", matched = "done", timed_out = "start" })
end
function j.go(c) return c:go("done") end
function j.exit(c) return c:exit("prefers sms") end

function j.send(c)
  c:send("welcome-1", { data = { code = "X1" } })
  c:send "welcome-2"
  return c:exit()
end
function j.set(c) c:set("stage", "warm") return c:exit() end
function j.set_mirrored(c) c:set("stage", "hot") return c:exit(c.contact.stage) end
function j.score(c) c:score(5) c:score(-2) return c:exit() end
function j.emit(c) c:emit("lead.hot", { level = 3 }) return c:exit() end
function j.vars(c) c.vars.n = (c.vars.n or 0) + 1 return c:exit() end
function j.vars_assigned(c) c.vars = { fresh = true } return c:exit() end
function j.vars_number(c) c.vars = 5 return c:exit() end
function j.vars_big(c) c.vars.blob = string.rep("x", 20000) return c:exit() end
function j.reads(c) return c:exit(c.contact.first_name .. " " .. c.event.data.link) end
function j.count(c) return c:exit("clicks " .. c:count("email.click", { since = "7d" })) end
function j.segment(c) return c:exit(tostring(c:in_segment("hot"))) end

function j.bad_template(c) c:send("../secrets") return c:exit() end
function j.set_email(c) c:set("email", "x@example.com") return c:exit() end
function j.wait_for_no_timeout(c) return c:wait_for("email.click", { matched = "done", timed_out = "done" }) end
function j.send_misspelt(c) c:send("welcome", { dat = { a = 1 } }) return c:exit() end
function j.wait_for_misspelt(c) return c:wait_for("email.click", { timeout = "1d", matched = "done", timed_out = "done", timeut = "2d" }) end

function j.nothing(c) end
function j.unknown(c) return c:go("nowhere") end
function j.twice(c) c:go("done") return c:exit() end
function j.fails(c) error("boom") end
function j.loops(c) while true do end end
function j.hogs(c) local t, s = {}, string.rep("x", 1 << 20) for i = 1, 1e6 do t[i] = s .. i end end

return j
