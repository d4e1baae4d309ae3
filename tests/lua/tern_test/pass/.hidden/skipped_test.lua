test("hidden", function() error("never run") end)
