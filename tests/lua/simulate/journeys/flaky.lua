-- A step that fails: the timeline shows an error entry with file:line.
local j = journey "flaky" { entry = on "flaky.start" }
function j.start(c) return c.contact.missing.field end
return j
