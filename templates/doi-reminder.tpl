subject: Reminder: confirm your subscription
preheader: Your request expires in 5 days

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>You asked for our newsletter two days ago but have not confirmed yet.
The request expires in 5 days.</p>
<p><a href="{{links.confirm}}">Confirm my subscription</a></p>
--- text
Hello {{contact.first_name | default: "there"}},

You asked for our newsletter two days ago but have not confirmed yet.
The request expires in 5 days:
{{links.confirm}}
