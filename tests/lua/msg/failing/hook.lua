hook "message" (function(m)
  m:add_header("X-Before", "error")
  m.category = "transactional"
  m.view.x = 1
  local t = nil
  return t.field
end)
