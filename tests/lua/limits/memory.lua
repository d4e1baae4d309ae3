-- Memory bombs and things that stay within bounds.

function string_bomb()
    local t, s = {}, string.rep("x", 1 << 20)
    for i = 1, 1e6 do t[i] = s .. i end
end

function table_bomb()
    local t, row = {}, {}
    for i = 1, 1024 do row[i] = i end
    for i = 1, 1e9 do t[i] = { table.unpack(row) } end
end

function allocate_some()
    local t = {}
    for i = 1, 1000 do t[i] = string.rep("y", 1000) .. i end
    return #table.concat(t)
end

function rep_huge()
    return string.rep("x", 1 << 30)
end

function rep_ok()
    return #string.rep("ab", 1000, ",")
end

function find_pathological()
    return string.find(string.rep("a", 1e5), ".-.-.-.-.-b")
end

function plain_find_big()
    local s = string.rep("a", 1 << 20) .. "needle"
    return (string.find(s, "needle", 1, true))
end

function move_huge()
    return table.move({}, 1, 1 << 40, 2)
end

function insert_lying_len()
    local t = setmetatable({}, { __len = function() return 1 << 40 end })
    table.insert(t, 1, "x")
end

function concat_huge_range()
    return table.concat(setmetatable({}, { __index = function() return "" end }), "", 1, 1 << 40)
end

function date_long_format()
    return os.date(string.rep("%c", 1000))
end

function gc_metamethod()
    return setmetatable({}, { __gc = function() while true do end end })
end

function sort_big()
    local t = {}
    for i = 1, 100000 do t[i] = -i end
    table.sort(t)
end

function sort_small()
    local t = {}
    for i = 1, 1000 do t[i] = -i end
    table.sort(t)
    return t[1]
end

function rep_overflow()
    return string.rep("xx", math.maxinteger, ",")
end

function json_encode_shared_string()
    local s, t = string.rep("a", 4 << 20), {}
    for i = 1, 100 do t[i] = s end
    return json.encode(t)
end

function json_decode_many_arrays()
    local v, e = json.decode("[" .. string.rep("[],", 2000000) .. "[]]")
    return v and "decoded" or e
end

-- 12 MiB of garbage nothing has collected yet, then a 4 MiB string.rep.
function rep_after_garbage()
    local junk = {}
    for i = 1, 48 do junk[i] = string.rep("g", (256 << 10) - 32) .. i end
    junk = nil
    return #string.rep("z", 4 << 20)
end
