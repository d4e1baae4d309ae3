subject: Five stars, and why they matter
preheader: What the safety tests measure

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Independent crash tests gave it five stars. Here is what that means for you and your passengers.</p>
<p><a href="https://www.example.com/suv/safety">Read the safety report</a></p>
--- text
Hello {{contact.first_name | default: "there"}},

Independent crash tests gave it five stars. Here is what that means for you and your passengers.

Read the safety report: https://www.example.com/suv/safety
