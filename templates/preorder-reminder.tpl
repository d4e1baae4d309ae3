subject: Your pre-order code expires {{data.expires}}
preheader: Code {{data.code}} is still unused

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Your personal pre-order code <strong>{{data.code}}</strong> is still unused.
It expires {{data.expires}}; after that, pre-orders are open to everyone.</p>
<p><a href="https://www.example.com/preorder?code={{data.code | url_encode}}">Use my code</a></p>
--- text
Hello {{contact.first_name | default: "there"}},

Your personal pre-order code {{data.code}} is still unused.
It expires {{data.expires}}; after that, pre-orders are open to everyone:
https://www.example.com/preorder?code={{data.code | url_encode}}
