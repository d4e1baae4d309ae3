subject: Welkom, {{contact.first_name | default: "en bedankt"}}
preheader: Fijn dat je erbij bent

--- html
<p>Hallo {{contact.first_name | default: "daar"}},</p>
<p>Welkom! Vanaf nu hoor je als eerste over nieuwe producten, acties en aanbiedingen.</p>
<p>Wat je ontvangt en hoe vaak, kies je zelf:
<a href="{{links.preferences}}">je voorkeuren</a>.</p>
--- text
Hallo {{contact.first_name | default: "daar"}},

Welkom! Vanaf nu hoor je als eerste over nieuwe producten, acties en aanbiedingen.

Wat je ontvangt en hoe vaak, kies je zelf:
{{links.preferences}}
