-- A module a journey would use: the greeting line of a welcome mail.
local M = {}

function M.for_contact(contact)
  local name = contact.first_name
  if name == nil or name == "" then name = "there" end
  return "Hello " .. name
end

function M.segments(contact)
  local out = {}
  if (contact.orders or 0) > 0 then out[#out + 1] = "buyers" end
  if contact.country == "NL" then out[#out + 1] = "nl" end
  return out
end

M.calls = 0
function M.count() M.calls = M.calls + 1 return M.calls end

return M
