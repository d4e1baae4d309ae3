subject: Pre-orders open {{data.when}}: {{data.opens_at | date: "%A %-d %B"}}
preheader: Be among the first, {{contact.first_name | default: "there"}}

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Pre-orders open {{data.when}}, on
<strong>{{data.opens_at | date: "%A %-d %B at %H:%M UTC"}}</strong>.</p>
<p>The first pre-orders are delivered first. Make sure you are ready:</p>
<p><a href="https://www.example.com/preorder">Configure yours now</a></p>
--- text
Hello {{contact.first_name | default: "there"}},

Pre-orders open {{data.when}}, on {{data.opens_at | date: "%A %-d %B at %H:%M UTC"}}.

The first pre-orders are delivered first. Make sure you are ready:
https://www.example.com/preorder
