test("a syntax error" function() end)
