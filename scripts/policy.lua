-- Clash management for every journey and tenant: nobody gets more than one
-- marketing mail a day or three a week, whichever journeys they are in.
-- A mail over the cap waits until the cap frees ("defer") rather than being
-- lost; when several journeys want the same contact at once, the higher
-- priority goes first. Transactional mail (confirmations, receipts) is
-- never capped.
policy {
  caps   = { marketing = { "1/1d", "3/7d" } },
  on_cap = "defer",
}
