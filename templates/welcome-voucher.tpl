subject: 10% off your first order
preheader: Code {{data.code}}, valid for {{data.valid_days}} days

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>To welcome you, here is 10% off your first order with the code
<strong>{{data.code}}</strong>. It is valid for {{data.valid_days}} days.</p>
<p><a href="https://www.example.com/shop?voucher={{data.code | url_encode}}">Shop now</a></p>
--- text
Hello {{contact.first_name | default: "there"}},

To welcome you, here is 10% off your first order with the code {{data.code}}.
It is valid for {{data.valid_days}} days:
https://www.example.com/shop?voucher={{data.code | url_encode}}
