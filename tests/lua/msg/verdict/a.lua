hook "message" (function(m)
  m:tempfail("try later")
  m:reject("no thanks")
end)
