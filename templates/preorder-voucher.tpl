subject: Pre-orders are open: your personal code inside
preheader: Reserve yours with code {{data.code}}

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Pre-orders are open. As one of the first to register, you reserve yours with your
personal code <strong>{{data.code}}</strong>, valid for 7 days.</p>
<p><a href="https://www.example.com/preorder?code={{data.code | url_encode}}">Pre-order now</a></p>
--- text
Hello {{contact.first_name | default: "there"}},

Pre-orders are open. As one of the first to register, you reserve yours with your
personal code {{data.code}}, valid for 7 days:
https://www.example.com/preorder?code={{data.code | url_encode}}
