subject: Please confirm your subscription
preheader: One click and you are in, {{contact.first_name | default: "there"}}

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Please confirm that you want our newsletter:</p>
<p><a href="{{links.confirm}}">Yes, subscribe me</a></p>
<p>If you did not ask for it, ignore this mail and nothing happens.</p>
--- text
Hello {{contact.first_name | default: "there"}},

Please confirm that you want our newsletter:
{{links.confirm}}

If you did not ask for it, ignore this mail and nothing happens.
