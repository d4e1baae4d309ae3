subject: Service that comes to you
preheader: Pick-up, courtesy car and five years of warranty

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Every car comes with five years of warranty, and for service we collect it from your door.</p>
<p><a href="https://www.example.com/service">How service works</a></p>
--- text
Hello {{contact.first_name | default: "there"}},

Every car comes with five years of warranty, and for service we collect it from your door.

How service works: https://www.example.com/service
