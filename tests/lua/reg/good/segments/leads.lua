segment "hot_leads" { sql = "(attributes->>'score')::int >= 50" }
segment "nl_buyers" {
  where = function(contact) return contact.country == "NL" end,
  refresh = "90m",
}
