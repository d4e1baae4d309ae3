hook "message" (function(m) m.view.first = true end)
hook "message" (function(m) m.view.second = true end)
