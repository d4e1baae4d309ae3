-- A syntax error: "return x +" runs into "end" on line 5.
function broken()
    local x = 1
    return x +
end
