subject: Three things our customers love
preheader: A short tour, {{contact.first_name | default: "there"}}

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Three things our customers love:</p>
<ol>
  <li><a href="https://www.example.com/guides/getting-started">Getting started in five minutes</a></li>
  <li><a href="https://www.example.com/inspiration">Ideas from other customers</a></li>
  <li><a href="https://www.example.com/help">Help, seven days a week</a></li>
</ol>
--- text
Hello {{contact.first_name | default: "there"}},

Three things our customers love:

1. Getting started in five minutes: https://www.example.com/guides/getting-started
2. Ideas from other customers: https://www.example.com/inspiration
3. Help, seven days a week: https://www.example.com/help
