subject: Still dreaming of it, {{contact.first_name | default: "there"}}?
preheader: Tell us if you want to keep hearing from us

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>We have not heard from you in a while. The launch is getting close: see what is new
since you registered.</p>
<p><a href="https://www.example.com/preorder/news">What is new</a></p>
<p>Not interested any more? <a href="{{links.preferences}}">Tell us what you want to receive</a>
or <a href="{{links.unsubscribe}}">unsubscribe</a>.</p>
--- text
Hello {{contact.first_name | default: "there"}},

We have not heard from you in a while. The launch is getting close: see what is new
since you registered:
https://www.example.com/preorder/news

Not interested any more? Tell us what you want to receive: {{links.preferences}}
or unsubscribe: {{links.unsubscribe}}
