subject: How did we do with order {{data.order}}?
preheader: One click: from 1 to 5

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Your order {{data.order}} arrived a few days ago. How happy are you with it?</p>
<p>
  <a href="https://www.example.com/survey?order={{data.order | url_encode}}&amp;rating=1">1</a>
  <a href="https://www.example.com/survey?order={{data.order | url_encode}}&amp;rating=2">2</a>
  <a href="https://www.example.com/survey?order={{data.order | url_encode}}&amp;rating=3">3</a>
  <a href="https://www.example.com/survey?order={{data.order | url_encode}}&amp;rating=4">4</a>
  <a href="https://www.example.com/survey?order={{data.order | url_encode}}&amp;rating=5">5</a>
</p>
<p>Thank you: every answer is read.</p>
--- text
Hello {{contact.first_name | default: "there"}},

Your order {{data.order}} arrived a few days ago. How happy are you with it?
Tell us in one click: https://www.example.com/survey?order={{data.order | url_encode}}

Thank you: every answer is read.
