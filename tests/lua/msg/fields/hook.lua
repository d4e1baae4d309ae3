-- Copies every field the hook sees into m.view, so the test reads them back.
hook "message" (function(m)
  local v = m.view
  v.category = m.category
  v.from = m.envelope.from
  v.to = m.envelope.to
  v.subject = m.headers["subject"]
  v.subject_any_case = m.headers["SUBJECT"]
  v.received = m:header_all("Received")
  v.missing_header = m.headers["x-none"] == nil
  v.first_name = m.contact and m.contact.first_name
  v.order = m.data and m.data.order
  v.clicks = m.track.clicks
  v.opens = m.track.opens
  v.message_id = m.message_id
  v.journey = m.journey
  v.step = m.step
  v.template = m.template
  v.kept = v.kept -- a view field the milter had set
end)
