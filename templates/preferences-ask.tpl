subject: What would you like to hear about?
preheader: Two clicks, and we only send what interests you

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>You have been with us for a week. So that we only send you what interests you,
tell us which topics you like and how you want to hear from us:</p>
<p><a href="{{links.preferences}}">Choose my topics</a></p>
<p>You can change them at any time with the link at the end of every mail.</p>
--- text
Hello {{contact.first_name | default: "there"}},

You have been with us for a week. So that we only send you what interests you,
tell us which topics you like and how you want to hear from us:
{{links.preferences}}

You can change them at any time with the link at the end of every mail.
