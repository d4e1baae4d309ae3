-- A runtime error three calls deep.
local function inner(x)
    error("boom at depth " .. x)
end

local function middle(x)
    inner(x + 1)
    return x
end

function outer()
    middle(1)
    return "unreachable"
end
