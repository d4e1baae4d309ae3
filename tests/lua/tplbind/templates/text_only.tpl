subject: Only text

--- text
plain {{company}}
