-- A small unit of work for the concurrency test: deterministic per input.
local words = { "alpha", "beta", "gamma", "delta" }

function work(n)
    local parts = {}
    for i = 1, 50 do
        parts[#parts + 1] = words[(n + i) % #words + 1]:upper()
    end
    local s = table.concat(parts, "-")
    local count = select(2, s:gsub("ALPHA", "a"))
    return n .. ":" .. count
end
