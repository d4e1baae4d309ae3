-- Two marketing journeys under a cap of one mail a day: the higher priority sends first.
policy { caps = { marketing = { "1/1d" } }, on_cap = "defer" }

local hi = journey "high" { entry = on "c.go", priority = 80 }
function hi.start(c) c:send "high" return c:exit() end

local lo = journey "low" { entry = on "c.go", priority = 20 }
function lo.start(c) c:send "low" return c:exit() end

local tx = journey "receipt" { entry = on "c.go", category = "transactional", priority = 10 }
function tx.start(c) c:send "receipt" return c:exit() end
