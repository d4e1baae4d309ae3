-- Scripts that must be stopped by the time limit (tests/unit/lh_limits_test.c).

function spin()
    while true do end
end

function spin_in_pcall()
    while true do
        pcall(function() while true do end end)
    end
end

function spin_in_xpcall()
    while true do
        xpcall(function() while true do end end, function() while true do end end)
    end
end

function spin_in_coroutine()
    local co = coroutine.create(function() while true do end end)
    while true do coroutine.resume(co) end
end

function spin_in_wrap()
    local f = coroutine.wrap(function() while true do end end)
    while true do pcall(f) end
end

function spin_in_close()
    local guard <close> = setmetatable({}, { __close = function() while true do end end })
    while true do end
end

-- A coroutine killed by the time limit must not run its __close handler:
-- Lua leaves its hooks disabled, so nothing could stop that handler.
function spin_wrap_with_close()
    local f = coroutine.wrap(function()
        local guard <close> = setmetatable({}, { __close = function() while true do end end })
        while true do end
    end)
    f()
end

local stopped

function stop_coroutine()
    stopped = coroutine.create(function()
        local guard <close> = setmetatable({}, { __close = function() while true do end end })
        while true do end
    end)
    coroutine.resume(stopped)
    while true do end
end

function close_stopped()
    return select(2, coroutine.close(stopped))
end

function xpcall_handler_result()
    local ok, v = xpcall(function() error("inner", 0) end, function(m) return "handled " .. m end)
    return tostring(ok) .. " " .. v
end

function xpcall_passes_results()
    return select("#", xpcall(function(a, b) return a, b, 3 end, print, 1, 2))
end

-- A coroutine that yields forever; kept across calls.
local ticker = coroutine.wrap(function()
    local n = 0
    while true do
        n = n + 1
        coroutine.yield(n)
    end
end)

function tick()
    return ticker()
end

function tick_then_spin()
    ticker()
    while true do end
end

function pattern_spin()
    return string.find(string.rep("a", 60000), ".-.-.-.-.-b")
end

function sort_long_equal_strings()
    local s, t = string.rep("a", 4 << 20), {}
    for i = 1, 65536 do t[i] = s end
    table.sort(t)
    return "sorted"
end

function sort_with_default_order()
    local t = {"pear", "apple", "fig"}
    table.sort(t)
    return table.concat(t, " ")
end

function gsub_long_replacement()
    return (string.rep("x", 2000):gsub("", string.rep("%0", 2 << 20)))
end

function alive()
    return "alive"
end

-- n rounds of arithmetic: CPU work of a known size (lh_limits_test calibrates n).
function count(n)
    local x = 0
    for i = 1, n do x = x + i % 7 end
    return x
end
