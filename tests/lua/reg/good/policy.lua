policy {
  caps   = { marketing = { "1/1d", "3/7d" } },
  on_cap = "skip",
}
