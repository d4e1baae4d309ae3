subject: Welcome, {{contact.first_name | default: "and thank you"}}
preheader: Good to have you with us

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Welcome! From now on you hear from us first about new products, events and offers.</p>
<p>You can choose what you receive, and how often, at any time:
<a href="{{links.preferences}}">your preferences</a>.</p>
--- text
Hello {{contact.first_name | default: "there"}},

Welcome! From now on you hear from us first about new products, events and offers.

You can choose what you receive, and how often, at any time:
{{links.preferences}}
