subject: ghost

--- text
Hallo
