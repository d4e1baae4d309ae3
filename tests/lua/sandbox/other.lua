-- A second script in the same state: its own environment and string table.
function upper_function(s)
    return string.upper(s)
end

function upper_method(s)
    return s:upper()
end
