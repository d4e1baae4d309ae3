function version()
    return "v2"
end
