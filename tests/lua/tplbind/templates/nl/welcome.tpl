subject: Welkom, {{contact.first_name}}

--- html
<p>Hallo {{contact.first_name}}</p>
{{> footer}}
