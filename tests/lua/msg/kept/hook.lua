-- Keeps m past its hook; the next message's hook uses the old one.
local previous
hook "message" (function(m)
  if previous then previous:add_header("X-Stale", "1") end
  previous = m
end)
