function version()
    return "runtime"
end

local config = nil
local limit = config.limit -- line 6: indexing nil at load time
