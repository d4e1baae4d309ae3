subject: Room for everything you take along
preheader: Seven seats, or a boot that swallows a bike

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Fold the seats flat and the boot takes a bike, a week of camping or a flat-pack wardrobe.</p>
<p><a href="https://www.example.com/suv/interior">See the interior in 360°</a></p>
--- text
Hello {{contact.first_name | default: "there"}},

Fold the seats flat and the boot takes a bike, a week of camping or a flat-pack wardrobe.

See the interior in 360°: https://www.example.com/suv/interior
