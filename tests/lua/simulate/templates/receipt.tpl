subject: receipt

--- text
Hello
