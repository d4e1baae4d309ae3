hook "message" (function(m) m.view.order = "a" end)
hook "message" (function(m) m.view.order = m.view.order .. "b" end)
