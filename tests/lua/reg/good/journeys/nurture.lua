-- Defaults everywhere but the entry, which is a segment; a filtered exit.
local j = journey "nurture" {
  entry = in_segment "hot_leads",
  exit = on("email.click", { where = function(ev) return ev.data.link == 1 end }),
}

function j.start(c) return c:exit() end
