test("never", function() end)
