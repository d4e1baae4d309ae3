subject: Ready for a test drive?
preheader: Book a slot at a dealer near you

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Reading only takes you so far. Book a test drive at a dealer near you: it takes 30 minutes and there is no obligation.</p>
<p><a href="https://www.example.com/testdrive">Book a test drive</a></p>
--- text
Hello {{contact.first_name | default: "there"}},

Reading only takes you so far. Book a test drive at a dealer near you: it takes 30 minutes and there is no obligation.

Book a test drive: https://www.example.com/testdrive
