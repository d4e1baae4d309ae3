local util = require "lib.util"
local again = require "lib.util"

function greet(name)
    return util.greet(name)
end

function same_module()
    return util == again and util == require "lib.util"
end

function module_runs()
    return util.count()
end
