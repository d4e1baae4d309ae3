-- 0019_outbox_contact: a contact's outbox rows go with the contact.
--
-- The outbox named its contact without a foreign key, so deleting a contact
-- left its mail behind. The sender's claim joins contacts, so that mail was
-- never sent, but its rows stayed due: locked, passed over and taken again
-- by every pass, and once a batch's worth of them were the oldest due, the
-- sender claimed nothing else and the outbox stood still. The outbox now
-- keeps to its contacts as enrollments and memberships do (0017), with the
-- same statement-level trigger functions:
--
-- * deleting contacts deletes their outbox rows, queued and sent (a sent
--   row only counted toward the contact's caps);
-- * a statement inserting outbox rows fails when a contact is missing;
-- * a row's contact_id does not change, nor a contact's id while mail names it.

DELETE FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = o.contact_id);

CREATE TRIGGER outbox_contact_insert AFTER INSERT ON outbox
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION check_row_contacts();
CREATE TRIGGER outbox_contact_update BEFORE UPDATE OF contact_id ON outbox
    FOR EACH ROW WHEN (OLD.contact_id IS DISTINCT FROM NEW.contact_id)
    EXECUTE FUNCTION refuse_contact_change();
CREATE TRIGGER contacts_outbox_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION delete_contact_rows('outbox');
CREATE TRIGGER contacts_keep_mailed_ids BEFORE UPDATE OF id ON contacts
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION keep_named_contact_ids('outbox', 'mail in the outbox');
