-- lh_testlib.lua - test() and expect() for the *_test.lua files `tern test` runs
--
-- Compiled into the binary (lh_test.c) and run once per state in a sandbox
-- environment of its own. install(env) puts `test` and `expect` into a test
-- file's environment and returns the list the file's test() calls fill:
-- { {fn, name}, ... } in declaration order. A failed expectation raises an
-- error at the line of the test that made it:
--
--   journeys/welcome_test.lua:12: expected "Hi Ann" to equal "Hello Ann"

local M = {}

local MAX_SHOWN = 200 -- bytes of one value in a failure message

-- A value as a marketer would write it: strings quoted, tables as constructors.
local show

local function show_key(k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") then return k end
  return "[" .. show(k, 0) .. "]"
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    if ta == "number" or ta == "string" then return a < b end
    return tostring(a) < tostring(b)
  end)
  return keys
end

local function show_table(t, depth)
  if depth > 3 then return "{...}" end
  local parts, n = {}, #t
  for i = 1, n do parts[#parts + 1] = show(t[i], depth + 1) end
  for _, k in ipairs(sorted_keys(t)) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then
      parts[#parts + 1] = show_key(k) .. " = " .. show(t[k], depth + 1)
    end
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

show = function(v, depth)
  depth = depth or 0
  local s
  if type(v) == "string" then
    s = string.format("%q", v):gsub("\\\n", "\\n")
  elseif type(v) == "table" then
    s = show_table(v, depth)
  elseif v == json.null then
    s = "json.null"
  else
    s = tostring(v)
  end
  if #s > MAX_SHOWN then s = s:sub(1, MAX_SHOWN) .. "..." end
  return s
end

local function key_path(path, k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") then return path .. "." .. k end
  return path .. "[" .. show(k) .. "]"
end

-- Where two values first differ: nil when deeply equal, else a path and why.
local function differ(a, b, path, seen)
  if rawequal(a, b) then return nil end
  if type(a) ~= "table" or type(b) ~= "table" then
    if a == b or (a ~= a and b ~= b) then return nil end -- 1 == 1.0; NaN equals NaN here
    return path, "got " .. show(a) .. ", want " .. show(b)
  end
  seen[a] = seen[a] or {}
  if seen[a][b] then return nil end -- already being compared further up
  seen[a][b] = true
  for _, k in ipairs(sorted_keys(b)) do
    local p, why = differ(a[k], b[k], key_path(path, k), seen)
    if p then return p, why end
  end
  for _, k in ipairs(sorted_keys(a)) do
    if b[k] == nil then
      return key_path(path, k), "got " .. show(a[k]) .. ", want nothing there"
    end
  end
  return nil
end

local function contains(haystack, needle)
  if type(haystack) == "string" and type(needle) == "string" then
    return haystack:find(needle, 1, true) ~= nil
  end
  if type(haystack) ~= "table" then return false end
  for _, v in pairs(haystack) do
    if differ(v, needle, "", {}) == nil then return true end
  end
  return false
end

-- Each matcher returns: passed, what was expected ("to equal 3"), detail on failure.
local matchers = {
  to_be = function(actual, want)
    return rawequal(actual, want) or actual == want, "to be " .. show(want)
  end,
  to_equal = function(actual, want)
    local path, why = differ(actual, want, "", {})
    local detail = path and path ~= "" and ("at " .. path:gsub("^%.", "") .. ": " .. why) or nil
    return path == nil, "to equal " .. show(want), detail
  end,
  to_be_nil = function(actual) return actual == nil, "to be nil" end,
  to_be_truthy = function(actual) return not not actual, "to be truthy (not nil or false)" end,
  to_be_falsy = function(actual) return not actual, "to be falsy (nil or false)" end,
  to_contain = function(actual, want) return contains(actual, want), "to contain " .. show(want) end,
  to_match = function(actual, pattern)
    if type(pattern) ~= "string" then error("to_match: the pattern must be a string", 3) end
    return type(actual) == "string" and actual:match(pattern) ~= nil, "to match " .. show(pattern)
  end,
  to_have_length = function(actual, n)
    local ok, len = pcall(function() return #actual end)
    return ok and len == n, "to have length " .. tostring(n), ok and ("its length is " .. len) or nil
  end,
  to_be_near = function(actual, want, tolerance)
    tolerance = tolerance or 1e-9
    return type(actual) == "number" and math.abs(actual - want) <= tolerance,
      "to be within " .. tostring(tolerance) .. " of " .. tostring(want)
  end,
  to_fail = function(actual, fragment)
    if type(actual) ~= "function" then error("to_fail: expect() needs a function here", 3) end
    local ok, err = pcall(actual)
    local what = "to fail" .. (fragment and (" with " .. show(fragment)) or "")
    if ok then return false, what, "it returned normally" end
    err = tostring(err)
    if fragment and not err:find(fragment, 1, true) then
      return false, what, "it failed with " .. show(err)
    end
    return true, what
  end,
}

local function expectation(actual, negated)
  local e = {}
  for name, match in pairs(matchers) do
    e[name] = function(...)
      local args = table.pack(...)
      local first = 1
      if rawequal(args[1], e) then first = 2 end -- written with a colon: e:to_be(x)
      local passed, what, detail = match(actual, table.unpack(args, first, args.n))
      if passed == negated then
        local shown = name == "to_fail" and "the function" or show(actual)
        local msg = "expected " .. shown .. (negated and " not " or " ") .. what
        if detail and not negated then msg = msg .. ": " .. detail end
        error(msg, 2)
      end
      return e
    end
  end
  if not negated then e.never = expectation(actual, true) end
  return e
end

function M.install(env)
  local list, names = {}, {}
  env.test = function(name, fn)
    if type(name) ~= "string" or name == "" then
      error("test: the first argument is the test's name (a string)", 2)
    end
    if type(fn) ~= "function" then
      error("test \"" .. name .. "\": the second argument must be a function", 2)
    end
    if names[name] then error("test \"" .. name .. "\" is declared twice", 2) end
    names[name] = true
    list[#list + 1] = { fn, name }
  end
  env.expect = function(actual) return expectation(actual, false) end
  return list
end

return M
