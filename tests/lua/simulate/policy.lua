policy { caps = { marketing = { "1/1d" } }, on_cap = "defer" }
