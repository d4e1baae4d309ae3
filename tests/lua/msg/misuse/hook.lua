-- Each case is chosen by the message's X-Case header.
local cases = {
  headers = function(m) m.headers.subject = "changed" end,
  category = function(m) m.category = "promo" end,
  control = function(m) m:add_header("X-Tern-Data", "{}") end,
  newline = function(m) m:add_header("X-Ok", "a\r\nBcc: victim@example.com") end,
  badname = function(m) m:add_header("Bad Name", "x") end,
  track = function(m) m.track.clicks = "no" end,
  unknown = function(m) return m.catgory end,
  readonly = function(m) m.journey = "other" end,
  view = function(m) m.view = { 1, 2, 3 } end,
  viewfn = function(m) m.view.f = print end,
  edits = function(m) for i = 1, 100 do m:add_header("X-N", tostring(i)) end end,
}
hook "message" (function(m) cases[m.headers["x-case"]](m) end)
