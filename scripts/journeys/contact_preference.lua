-- Contact preference: a week after confirming, we ask new subscribers how
-- they want to hear from us (channel) and about what (topics), with the
-- signed link to their preference page, and ask once more a week later.
-- The page itself saves topics, channel and frequency on the contact and
-- records "preferences.updated" with them; the journey keeps when they
-- answered, and honours "no mail" at once.
local j = journey "contact_preference" {
  entry    = on "contact.confirmed",
  exit     = on "email.unsubscribe",
  category = "marketing",
  priority = 50,
  window   = { hours = "09:00-19:00", days = "mon-sat" },
}

local function ask(c, template, next_step)
  c:send(template)
  return c:wait_for("preferences.updated", { timeout = "7d", matched = "saved", timed_out = next_step })
end

function j.start(c)
  return c:wait("7d", "ask")        -- let the welcome series speak first
end

function j.ask(c)
  -- The page is linked from every mail: some answer before we ask.
  if (c:count("preferences.updated") or 0) > 0 then return c:exit "saved before we asked" end
  return ask(c, "preferences-ask", "ask_again")
end

function j.ask_again(c) return ask(c, "preferences-reminder", "no_answer") end

function j.saved(c)
  local prefs = c.event.data
  c:set("preferences_saved_at", c.event.at)
  if prefs.channel == "none" then c:set("suppressed", true) end  -- asked for no marketing mail
  return c:exit "saved"
end

function j.no_answer(c)
  return c:exit "no answer"         -- they keep the defaults: every topic, by email
end

return j
