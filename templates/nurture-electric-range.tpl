subject: How far does it really go?
preheader: Real-world range, winter included

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Range is the first question everybody asks. Here is what our owners drive on one charge, in summer and in winter.</p>
<p><a href="https://www.example.com/electric/range">See the range in your area</a></p>
--- text
Hello {{contact.first_name | default: "there"}},

Range is the first question everybody asks. Here is what our owners drive on one charge, in summer and in winter.

See the range in your area: https://www.example.com/electric/range
