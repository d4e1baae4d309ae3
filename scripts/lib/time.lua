-- Times in contact attributes: ISO 8601 text ("2026-03-01", "2026-03-01T09:00:00Z",
-- "2026-03-01T09:00:00+02:00") as Unix seconds, so a step can compare them with c.now.
-- Pure arithmetic: os.time() would read the server's time zone.
local M = {}

M.DAY = 86400

-- Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

-- Unix seconds of `text`, or nil when it is not such a time (or is a number already).
function M.parse(text)
  if math.type(text) == "integer" then return text end
  if type(text) ~= "string" then return nil end
  local y, mo, d, rest = text:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)(.*)$")
  if not y then return nil end
  local secs = days_from_civil(tonumber(y), tonumber(mo), tonumber(d)) * M.DAY
  if rest == "" then return secs end
  local h, mi, s, zone = rest:match("^T(%d%d):(%d%d):?(%d*)(.*)$")
  if not h then return nil end
  secs = secs + tonumber(h) * 3600 + tonumber(mi) * 60 + (tonumber(s) or 0)
  if zone == "" or zone == "Z" then return secs end
  local sign, zh, zm = zone:match("^([+-])(%d%d):?(%d%d)$")
  if not sign then return nil end
  local off = tonumber(zh) * 3600 + tonumber(zm) * 60
  return sign == "+" and secs - off or secs + off
end

-- Whole days from `text` to `now` (Unix seconds), or nil when `text` is not a time.
function M.days_since(text, now)
  local t = M.parse(text)
  return t and (now - t) // M.DAY
end

return M
