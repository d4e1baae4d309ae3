subject: Still sending you everything?
preheader: Pick your topics in two clicks

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Until you tell us otherwise, you get all of our news. Prefer only some topics, or less
often?</p>
<p><a href="{{links.preferences}}">Choose my topics</a></p>
--- text
Hello {{contact.first_name | default: "there"}},

Until you tell us otherwise, you get all of our news. Prefer only some topics, or less
often? {{links.preferences}}
