-- Values for lh_json_test: each case builds a value, the test encodes it.
local function nest(n)
  local t = {}
  for _ = 2, n do t = { t } end
  return t
end

local cases = {
  maxint = function() return math.maxinteger end,
  minint = function() return math.mininteger end,
  float_one = function() return 1.0 end,
  empty = function() return {} end,
  sequence = function() return { "a", "b", "c" } end,
  object = function() return { b = 2, a = 1, c = { true, false } } end,
  null_member = function() return { x = json.null } end,
  shared = function() local a = { 1 } return { x = a, y = a } end,
  nul_string = function() return "a\0b" end,
  nested_64 = function() return nest(64) end,
  -- refused
  func_in_array = function() return { items = { 1, 2, function() end } } end,
  cycle = function() local t = { name = "loop" } t.self = t return t end,
  nan = function() return { score = 0 / 0 } end,
  inf = function() return { score = math.huge } end,
  bad_utf8 = function() return { name = "ab\xC0\xAF" } end,
  bad_utf8_key = function() return { ["k\xFF"] = 1 } end,
  mixed_keys = function() return { 1, 2, x = 3 } end,
  holes = function() return { [1] = "a", [3] = "c" } end,
  zero_key = function() return { [0] = "a" } end,
  float_key = function() return { [1.5] = "a" } end,
  bool_key = function() return { [true] = 1 } end,
  coroutine = function() return { co = coroutine.create(function() end) } end,
  odd_key_path = function() return { ["first name"] = print } end,
  nested_65 = function() return nest(65) end,
}

function encode(name)
  return json.encode(cases[name]())
end

function encode_error(name)
  local ok, e = pcall(json.encode, cases[name]())
  if ok then return "no error: " .. e end
  return e
end

-- decode then encode; "nil, ERR" when decoding fails
function roundtrip(text)
  local v, e = json.decode(text)
  if v == nil then return "nil, " .. tostring(e) end
  return json.encode(v)
end

function describe(text)
  local v = json.decode(text)
  if type(v) == "number" then return math.type(v) .. " " .. tostring(v) end
  if type(v) == "string" then return "string " .. #v end
  return type(v)
end

function null_keeps_position()
  local t = json.decode("[1,null,3]")
  return #t .. " " .. tostring(t[2] == json.null) .. " " .. tostring(t[2])
end

function object_keys()
  local t = json.decode('{"first_name":"Ann","n":{"x":1}}')
  return t.first_name .. " " .. t.n.x
end

function decode_raises_on(kind)
  local arg = kind == "table" and {} or nil
  local ok, e = pcall(json.decode, arg)
  return ok and "no error" or e
end

function null_metatable()
  return tostring(getmetatable(json.null))
end

function decode_count(text)
  local v, err = json.decode(text)
  if v == nil then return "nil, " .. err end
  return #v
end

-- Leave 3 MiB of garbage behind (nothing allocates after it, so no
-- collection step runs before the decode), then decode `text`.
function decode_after_garbage(text)
  local junk = {}
  for i = 1, 48 do junk[i] = string.rep("x", 65536 - 32) .. i end
  junk = nil
  return decode_count(text)
end

-- The same for an encode of a sequence of `n` integers.
function encode_length_after_garbage(n)
  local t = {}
  for i = 1, math.tointeger(n) do t[i] = 1 end
  local junk = {}
  for i = 1, 48 do junk[i] = string.rep("x", 65536 - 32) .. i end
  junk = nil
  local ok, text = pcall(json.encode, t)
  return ok and #text or text
end
