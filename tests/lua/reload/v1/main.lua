function version()
    return "v1"
end

function slow_version(ms)
    local t = os.clock()
    while os.clock() - t < ms / 1000 do end
    return "v1"
end
