subject: Only HTML

--- html
<p>html</p>
