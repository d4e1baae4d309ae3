test("never registered: the file fails first", function() end)
local x = nil
x.field = 1
