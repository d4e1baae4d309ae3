subject: Welcome, {{contact.first_name | default: "friend"}} & co

--- html
<p>Hello {{contact.first_name}}</p>
{{> footer}}
--- text
Hello {{contact.first_name}}
