hook "message" (function(m)
  local t = {}
  for i = 1, 1e9 do t[i] = { i, i + 1, i + 2, i + 3 } end
end)
