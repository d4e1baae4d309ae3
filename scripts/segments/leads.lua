-- Lead segments, from the stage lead classification keeps on the contact.

-- Evaluated in PostgreSQL: for reports and for sales' call lists.
segment "hot_leads" { sql = "(attributes->>'score')::int >= 50" }

-- Evaluated in Lua: warm leads enter nurture (journeys/nurture.lua).
segment "warm_leads" {
  where   = function(contact) return contact.stage == "warm" and not contact.suppressed end,
  refresh = "1h",
}
