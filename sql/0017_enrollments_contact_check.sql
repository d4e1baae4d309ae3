-- 0017_enrollments_contact_check: an enrollment's contact checked per
-- statement, as the memberships' are (0015), by the same trigger functions.
--
-- The engine inserts a batch of enrollments at once: the intake's entries,
-- up to 500 per statement. The foreign key to contacts checked and key-share
-- locked each of them with a query of its own (0.6-0.9 s of 100,000 entries,
-- measured alone; the engine already holds each contact's row lock). The
-- triggers keep what it guaranteed, per statement, for every table that
-- names contacts this way (segment_memberships, enrollments):
--
-- * a statement inserting rows locks every contact they name FOR KEY SHARE
--   in one query and fails with foreign_key_violation when one is missing;
--   a contact deleted after the lock waits until the inserting transaction
--   ends, so its delete (below) sees the new rows;
-- * deleting contacts deletes their rows (it was ON DELETE CASCADE), one
--   statement for all of them; an enrollment's step rows go with it (0014);
-- * a row's contact_id does not change, and a contact's id does not change
--   while rows name it.
--
-- As in 0015, deletes of contacts are expected in READ COMMITTED. The
-- functions of 0015 become these table-independent ones (the table is
-- TG_TABLE_NAME, or the trigger's argument on contacts).

ALTER TABLE enrollments DROP CONSTRAINT enrollments_contact_id_fkey;

CREATE FUNCTION check_row_contacts() RETURNS trigger
LANGUAGE plpgsql SET search_path = tern AS $$
DECLARE
    locked bigint;
    missing bigint;
BEGIN
    -- A probe of contacts_pkey per new row (a contact named twice is locked
    -- once: the second lock is this transaction's own). As a join the
    -- planner hashes every contact for a few thousand rows.
    SELECT count(*) INTO locked FROM new_rows n
        CROSS JOIN LATERAL (SELECT 1 FROM contacts c WHERE c.id = n.contact_id FOR KEY SHARE) l;
    IF locked < (SELECT count(*) FROM new_rows) THEN
        SELECT n.contact_id INTO missing FROM new_rows n
         WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = n.contact_id) LIMIT 1;
        RAISE EXCEPTION 'contact % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION refuse_contact_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: a row''s contact_id does not change', TG_TABLE_NAME
        USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
END
$$;

-- On contacts, AFTER DELETE: TG_ARGV[0] names the table whose rows go.
CREATE FUNCTION delete_contact_rows() RETURNS trigger
LANGUAGE plpgsql SET search_path = tern AS $$
BEGIN
    EXECUTE format('DELETE FROM %I t USING old_rows o WHERE t.contact_id = o.id', TG_ARGV[0]);
    RETURN NULL;
END
$$;

-- On contacts, BEFORE UPDATE OF id: TG_ARGV[0] names the table that names
-- it, TG_ARGV[1] its rows in the message.
CREATE FUNCTION keep_named_contact_ids() RETURNS trigger
LANGUAGE plpgsql SET search_path = tern AS $$
DECLARE
    named boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE contact_id = $1)', TG_ARGV[0])
        INTO named USING OLD.id;
    IF named THEN
        RAISE EXCEPTION 'contact % still has %', OLD.id, TG_ARGV[1]
            USING ERRCODE = 'foreign_key_violation', TABLE = 'contacts';
    END IF;
    RETURN NEW;
END
$$;

-- enrollments (replacing 0014's narrower rule: no change while step rows
-- name it).
DROP TRIGGER enrollments_keep_stepped_key ON enrollments;
DROP FUNCTION keep_stepped_enrollment_key();
CREATE TRIGGER enrollments_contact_insert AFTER INSERT ON enrollments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION check_row_contacts();
CREATE TRIGGER enrollments_contact_update BEFORE UPDATE OF contact_id ON enrollments
    FOR EACH ROW WHEN (OLD.contact_id IS DISTINCT FROM NEW.contact_id)
    EXECUTE FUNCTION refuse_contact_change();
CREATE TRIGGER contacts_enrollments_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION delete_contact_rows('enrollments');
CREATE TRIGGER contacts_keep_enrolled_ids BEFORE UPDATE OF id ON contacts
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION keep_named_contact_ids('enrollments', 'enrollments');

-- segment_memberships: 0015's triggers on the shared functions.
DROP TRIGGER segment_memberships_contact_insert ON segment_memberships;
DROP TRIGGER segment_memberships_contact_update ON segment_memberships;
DROP TRIGGER contacts_memberships_delete ON contacts;
DROP TRIGGER contacts_keep_member_ids ON contacts;
DROP FUNCTION check_membership_contacts(), keep_membership_contact(),
    delete_contact_memberships(), keep_member_contact_ids();
CREATE TRIGGER segment_memberships_contact_insert AFTER INSERT ON segment_memberships
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION check_row_contacts();
CREATE TRIGGER segment_memberships_contact_update BEFORE UPDATE OF contact_id ON segment_memberships
    FOR EACH ROW WHEN (OLD.contact_id IS DISTINCT FROM NEW.contact_id)
    EXECUTE FUNCTION refuse_contact_change();
CREATE TRIGGER contacts_memberships_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION delete_contact_rows('segment_memberships');
CREATE TRIGGER contacts_keep_member_ids BEFORE UPDATE OF id ON contacts
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION keep_named_contact_ids('segment_memberships', 'segment memberships');
