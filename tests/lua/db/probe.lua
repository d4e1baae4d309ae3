-- Queries for lh_db_test: each returns the rows as JSON text, or "nil, ERR".
local function show(rows, err)
  if rows == nil then return "nil, " .. tostring(err) end
  return json.encode(rows)
end

function q(sql, ...)
  return show(db.query(sql, ...))
end

function raises(sql, ...)
  local ok, e = pcall(db.query, sql, ...)
  if ok then return "no error" end
  return e
end

function contacts(tenant)
  return q("SELECT email FROM contacts WHERE tenant = $1 ORDER BY email", tenant)
end

function types()
  return q([[SELECT 1::int2 AS i2, 2::int4 AS i4, 9223372036854775807::int8 AS i8,
                    1.5::float8 AS f8, 2.25::numeric AS num, true AS yes, false AS no,
                    'x'::text AS t, '2026-01-02'::date AS d,
                    '{"k": [1, null]}'::jsonb AS jb, '[1,2]'::json AS j]])
end

function integer_type()
  local rows = db.query("SELECT 9223372036854775807::int8 AS big, 1.0::float8 AS one")
  return math.type(rows[1].big) .. " " .. math.type(rows[1].one)
end

function null_column()
  local rows = db.query("SELECT NULL::text AS gone, 1 AS kept")
  return tostring(rows[1].gone) .. " " .. tostring(rows[1].kept)
end

function params()
  return q("SELECT $1::int8 + 1 AS n, $2::float8 * 2 AS f, $3::bool AS b, $4::text IS NULL AS isnull, $5 AS s",
           9223372036854775806, 0.25, true, nil, "Zoë")
end

function table_param() return raises("SELECT $1", { 1 }) end
function function_param() return raises("SELECT $1", print) end
function sql_not_string() return raises(42) end
function sql_empty() return raises("  ") end
function sql_nul() return raises("SELECT 1\0; DELETE FROM contacts") end
function string_param_nul() return raises("SELECT $1", "a\0b") end

function too_many_params()
  local args = {}
  for i = 1, 1001 do args[i] = i end
  return raises("SELECT 1", table.unpack(args))
end

function insert() return q("INSERT INTO tenants (id, name) VALUES ('nl', 'NL')") end
function update() return q("UPDATE contacts SET status = 'bounced'") end
function lock() return q("SELECT id FROM contacts FOR UPDATE") end
function two_statements() return q("SELECT 1; DELETE FROM contacts") end
function syntax() return q("SELEC 1") end
function sleep(s) return q("SELECT pg_sleep($1::float8)", tonumber(s)) end
function sleep_thrice(s)
  local out = {}
  for i = 1, 3 do out[i] = sleep(s) end
  return table.concat(out, " | ")
end
function many_rows() return q("SELECT generate_series(1, 10001) AS n") end
function enough_rows() local rows = db.query("SELECT generate_series(1, 10000) AS n") return #rows end
function deep_json() return q("SELECT (repeat('[', 65) || repeat(']', 65))::jsonb AS deep") end
function kill_backend() return q("SELECT pg_terminate_backend(pg_backend_pid())") end

function session_unchanged()
  db.query("SELECT set_config('search_path', 'public', false)")
  db.query("SET application_name = 'mine'")
  return q("SELECT current_setting('search_path') AS path, current_setting('application_name') AS app")
end

function advisory_lock_released()
  db.query("SELECT pg_advisory_lock(4242)")
  return q("SELECT count(*) AS held FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242")
end

function commit_then_query()
  local _, e = db.query("COMMIT")
  return tostring(e) .. " " .. q("SELECT 1 AS one")
end

function command_without_rows() return q("SET LOCAL work_mem = '8MB'") end

function count_rows(n)
  local rows, err = db.query("SELECT repeat('z', 200) AS pad FROM generate_series(1, $1::int)", tonumber(n))
  if rows == nil then return "nil, " .. err end
  return #rows
end
