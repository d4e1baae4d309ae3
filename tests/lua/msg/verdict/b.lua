hook "message" (function(m) m:add_header("X-After", "ran") end)
