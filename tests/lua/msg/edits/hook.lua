hook "message" (function(m)
  m:add_header("X-Campaign", "spring")
  m:remove_header("X-Mailer")
  m.category = "transactional"
  m.track.opens = false
  m.view = { greeting = "Hello " .. (m.contact and m.contact.first_name or "there") }
end)
