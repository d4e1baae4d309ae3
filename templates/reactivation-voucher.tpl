subject: We miss you, {{contact.first_name | default: "there"}}: 15% off
preheader: Code {{data.code}}, for your next order

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>It has been a while since your last order. Here is 15% off your next one with the code
<strong>{{data.code}}</strong>.</p>
<p><a href="https://www.example.com/shop?voucher={{data.code | url_encode}}">See what is new</a></p>
--- text
Hello {{contact.first_name | default: "there"}},

It has been a while since your last order. Here is 15% off your next one with the code
{{data.code}}: https://www.example.com/shop?voucher={{data.code | url_encode}}
