-- a test file that forgot to declare tests
local x = 1
