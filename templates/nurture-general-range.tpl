subject: Find the model that fits
preheader: Compare our range side by side

--- html
<p>Hello {{contact.first_name | default: "there"}},</p>
<p>City car, family SUV or electric: compare the whole range side by side and see what fits your life.</p>
<p><a href="https://www.example.com/models">Compare the models</a></p>
--- text
Hello {{contact.first_name | default: "there"}},

City car, family SUV or electric: compare the whole range side by side and see what fits your life.

Compare the models: https://www.example.com/models
