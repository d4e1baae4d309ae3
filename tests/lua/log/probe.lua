-- Log lines for lh_log_test; the test reads what reached stderr.
function levels()
  log.debug("a debug line")
  log.info("an info line")
  log.warn("a warning line")
  log.error("an error line")
end

function joined() log.info("sent", 3, "mails", true, nil) end
function table_as_json() log.info("contact", { id = 7, tags = { "vip" } }) end
function function_arg() log.info("handler", print) end
function forged_line() log.info("ok\nwarning: lua -: forged\r!") end
function long_line() log.info(string.rep("x", 5000)) end
