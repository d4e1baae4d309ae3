subject: Broken

--- html
<p>{{#items}}never closed</p>
