subject: Your order {{data.order}} is confirmed
preheader: Thank you, {{contact.first_name | default: "there"}}. Here is what you ordered.

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Thank you for your order <strong>{{data.order}}</strong>. Here is what you ordered:</p>
<table>
{{#data.items}}
  <tr><td>{{quantity}} × {{name}}</td><td align="right">{{price | money: "EUR"}}</td></tr>
{{/data.items}}
  <tr><td>Shipping</td><td align="right">{{data.shipping | money: "EUR" | default: "free"}}</td></tr>
  <tr><td><strong>Total</strong></td><td align="right"><strong>{{data.total | money: "EUR"}}</strong></td></tr>
</table>
{{#data.address}}
<p>We will send it to:<br>{{name}}<br>{{street}}<br>{{postcode}} {{city}}</p>
{{/data.address}}
<p>Questions? Just reply to this mail.</p>
--- text
Hello {{contact.first_name | default: "there"}},

Thank you for your order {{data.order}}. Here is what you ordered:

{{#data.items}}
  {{quantity}} x {{name}}: {{price | money: "EUR"}}
{{/data.items}}
  Shipping: {{data.shipping | money: "EUR" | default: "free"}}
  Total: {{data.total | money: "EUR"}}
{{#data.address}}

We will send it to:
{{name}}
{{street}}
{{postcode}} {{city}}
{{/data.address}}

Questions? Just reply to this mail.
