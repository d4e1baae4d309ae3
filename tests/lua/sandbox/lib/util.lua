-- A module: required by journeys/welcome.lua as "lib.util".
local M = {}

M.loads = (M.loads or 0) + 1
counter = (counter or 0) + 1 -- a global of this module's own environment

function M.greet(name)
    return "hello " .. name
end

function M.count()
    return counter
end

return M
