subject: Charging at home and on the road
preheader: Overnight at home, 20 minutes on the motorway

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>Most owners charge at home overnight and rarely think about it. On longer trips, fast chargers along the way add hundreds of kilometres in a coffee break.</p>
<p><a href="https://www.example.com/electric/charging">Plan a trip with charging stops</a></p>
--- text
Hello {{contact.first_name | default: "there"}},

Most owners charge at home overnight and rarely think about it. On longer trips, fast chargers along the way add hundreds of kilometres in a coffee break.

Plan a trip with charging stops: https://www.example.com/electric/charging
