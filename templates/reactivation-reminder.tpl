subject: Your 15% is still waiting
preheader: Code {{data.code}} is valid for two more weeks

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Your code <strong>{{data.code}}</strong> for 15% off is still valid for two weeks.</p>
<p><a href="https://www.example.com/shop?voucher={{data.code | url_encode}}">Use it now</a></p>
<p>Rather hear from us less? <a href="{{links.preferences}}">Change your preferences</a>.</p>
--- text
Hello {{contact.first_name | default: "there"}},

Your code {{data.code}} for 15% off is still valid for two weeks:
https://www.example.com/shop?voucher={{data.code | url_encode}}

Rather hear from us less? {{links.preferences}}
