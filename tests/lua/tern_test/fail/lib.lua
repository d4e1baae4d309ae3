local M = {}
function M.broken(c) return c.contact.first_name end
return M
