function version()
    return "syntax"
end
