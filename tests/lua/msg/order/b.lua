hook "message" (function(m) m.view.order = m.view.order .. "c" end)
