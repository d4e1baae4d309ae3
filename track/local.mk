# track/: tern track (libmicrohttpd endpoint, tracking pages, events API,
# bot classification). Depends on lib/ only: no Lua here.
