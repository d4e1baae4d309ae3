subject: promo

--- text
Hello
