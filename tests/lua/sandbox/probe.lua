-- Probes of the sandbox, called by tests/unit/lh_sandbox_test.c.

-- The type of a global, walking dotted names ("os.execute").
function type_of(name)
    local v = _G
    for part in name:gmatch "[^.]+" do
        if type(v) ~= "table" then return "nil" end
        v = v[part]
    end
    return type(v)
end

function string_metatable()
    return tostring(getmetatable(""))
end

-- Try every way to change what string methods do for everyone.
function tamper_strings()
    pcall(function() getmetatable("").__index = { upper = function() return "pwned" end } end)
    pcall(function() getmetatable("").__index.upper = function() return "pwned" end end)
    string.upper = function() return "pwned" end
    return string.upper("x")
end

function upper_method(s)
    return s:upper()
end

function upper_function(s)
    return string.upper(s)
end

function require_name(name)
    local ok, err = pcall(require, name)
    return ok and "loaded" or err
end

function set_gc()
    return setmetatable({}, { __gc = function() end })
end

function args(s, i, n, b, z)
    return string.format("%s %d %.1f %s %s", s, i, n, tostring(b), tostring(z))
end

function answer()
    return 42
end

function greet_twice()
    print("probe", 1, true)
    return "ok"
end
