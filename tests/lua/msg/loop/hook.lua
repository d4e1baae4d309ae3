hook "message" (function(m)
  m:add_header("X-Before", "loop")
  while true do end
end)
