-- 0015_memberships_contact_check: a membership's contact checked per statement.
--
-- A segment's first refresh inserts one membership per contact that joins,
-- hundreds of thousands in one statement. The foreign key to contacts checked
-- and key-share locked each of them with a query of its own (5.3 of the 8.5 s
-- of 500,000 joins). These triggers keep what it guaranteed, per statement, as
-- contacts.tenant does (0001):
--
-- * a statement inserting memberships locks every contact they name FOR KEY
--   SHARE in one query and fails with foreign_key_violation when one is
--   missing. A contact deleted before the lock is missing (the lock waits for
--   an uncommitted deleter, then skips the row it deleted); one deleted after
--   it waits until the inserting transaction ends, so its delete (below) sees
--   the new memberships: no orphan either way;
-- * deleting contacts deletes their memberships (it was ON DELETE CASCADE),
--   one statement for all of them;
-- * a membership's contact_id does not change, and a contact's id does not
--   change while memberships name it.
--
-- Deletes of contacts are expected in READ COMMITTED (the default): the
-- delete's membership statement then takes a snapshot after the contacts'
-- locks are granted. The foreign key also covered REPEATABLE READ deleters,
-- with a serialization failure; a trigger cannot see what its snapshot hides.

ALTER TABLE segment_memberships DROP CONSTRAINT segment_memberships_contact_id_fkey;

CREATE FUNCTION check_membership_contacts() RETURNS trigger
LANGUAGE plpgsql SET search_path = tern AS $$
DECLARE
    locked bigint;
    missing bigint;
BEGIN
    -- One row per new membership whose contact exists, locked (a contact
    -- named twice is locked once: the second lock is this transaction's
    -- own). A probe of contacts_pkey per row: as a join the planner hashes
    -- every contact for a few thousand memberships.
    SELECT count(*) INTO locked FROM new_rows n
        CROSS JOIN LATERAL (SELECT 1 FROM contacts c WHERE c.id = n.contact_id FOR KEY SHARE) l;
    IF locked < (SELECT count(*) FROM new_rows) THEN
        SELECT n.contact_id INTO missing FROM new_rows n
         WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = n.contact_id) LIMIT 1;
        RAISE EXCEPTION 'contact % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'segment_memberships';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER segment_memberships_contact_insert AFTER INSERT ON segment_memberships
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION check_membership_contacts();

-- Nothing moves a membership to another contact: refused, so the engine's
-- updates of left_at need no check.
CREATE FUNCTION keep_membership_contact() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a segment membership''s contact_id does not change'
        USING ERRCODE = 'foreign_key_violation', TABLE = 'segment_memberships';
END
$$;
CREATE TRIGGER segment_memberships_contact_update BEFORE UPDATE OF contact_id ON segment_memberships
    FOR EACH ROW WHEN (OLD.contact_id IS DISTINCT FROM NEW.contact_id)
    EXECUTE FUNCTION keep_membership_contact();

CREATE FUNCTION delete_contact_memberships() RETURNS trigger
LANGUAGE plpgsql SET search_path = tern AS $$
BEGIN
    DELETE FROM segment_memberships m USING old_rows o WHERE m.contact_id = o.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER contacts_memberships_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION delete_contact_memberships();

CREATE FUNCTION keep_member_contact_ids() RETURNS trigger
LANGUAGE plpgsql SET search_path = tern AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM segment_memberships WHERE contact_id = OLD.id) THEN
        RAISE EXCEPTION 'contact % still has segment memberships', OLD.id
            USING ERRCODE = 'foreign_key_violation', TABLE = 'contacts';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER contacts_keep_member_ids BEFORE UPDATE OF id ON contacts
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION keep_member_contact_ids();
