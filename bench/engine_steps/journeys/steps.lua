-- The journey of bench/engine_steps.sh: three steps without sends.
local j = journey "steps" { entry = on "bench.start" }

function j.start(c)
  c:set("stage", "bench")
  return c:go "two"
end

function j.two(c)
  c:score(1)
  return c:go "three"
end

function j.three(c)
  return c:exit "done"
end

return j
