-- 0014_enrollment_steps_checks: the step log's link to its enrollment,
-- checked per statement instead of per row.
--
-- The foreign key from enrollment_steps to enrollments checked every step
-- row on its own (a lookup and a key-share lock through the trigger queue):
-- half the cost of writing the step log, which the engine writes for every
-- step it runs (bench/RESULTS.md, engine: steps). These triggers keep what
-- it guaranteed, a statement at a time:
--   - a step row names an existing enrollment; its enrollment is locked
--     FOR KEY SHARE, so a concurrent delete waits for the writer and then
--     takes the new rows with it;
--   - deleting an enrollment (also through a contact's deletion, which
--     cascades to its enrollments) deletes its step rows;
--   - an enrollment with step rows keeps its key (contact_id);
--   - TRUNCATE enrollments empties the step log too (by DELETE: when both
--     tables are truncated in one command, the log is empty already, and a
--     TRUNCATE from the trigger would find it in use).

ALTER TABLE enrollment_steps DROP CONSTRAINT enrollment_steps_contact_id_enrollment_id_fkey;

-- The lateral join probes the primary key of enrollments once per distinct
-- enrollment of the statement, whatever the planner thinks of the sizes.
CREATE FUNCTION check_step_enrollments() RETURNS trigger
LANGUAGE plpgsql SET search_path = tern AS $$
DECLARE
    named bigint;
    locked bigint;
    missing record;
BEGIN
    SELECT count(*), count(e.id) INTO named, locked
      FROM (SELECT DISTINCT contact_id, enrollment_id FROM new_rows) n
      LEFT JOIN LATERAL (SELECT x.id FROM enrollments x
                          WHERE x.contact_id = n.contact_id AND x.id = n.enrollment_id
                          FOR KEY SHARE) e ON true;
    IF locked < named THEN
        SELECT n.contact_id, n.enrollment_id INTO missing FROM new_rows n
         WHERE NOT EXISTS (SELECT 1 FROM enrollments x
                            WHERE x.contact_id = n.contact_id AND x.id = n.enrollment_id)
         LIMIT 1;
        RAISE EXCEPTION 'enrollment % of contact % does not exist', missing.enrollment_id,
            missing.contact_id USING ERRCODE = 'foreign_key_violation',
            HINT = 'a step row belongs to an enrollment: write the enrollment first';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER enrollment_steps_enrollment_insert AFTER INSERT ON enrollment_steps
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION check_step_enrollments();
CREATE TRIGGER enrollment_steps_enrollment_update AFTER UPDATE ON enrollment_steps
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION check_step_enrollments();

CREATE FUNCTION delete_enrollment_steps() RETURNS trigger
LANGUAGE plpgsql SET search_path = tern AS $$
BEGIN
    DELETE FROM enrollment_steps s USING old_rows o
     WHERE s.contact_id = o.contact_id AND s.enrollment_id = o.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER enrollments_delete_steps AFTER DELETE ON enrollments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION delete_enrollment_steps();

CREATE FUNCTION keep_stepped_enrollment_key() RETURNS trigger
LANGUAGE plpgsql SET search_path = tern AS $$
BEGIN
    IF NEW.contact_id <> OLD.contact_id AND EXISTS (
           SELECT 1 FROM enrollment_steps WHERE contact_id = OLD.contact_id AND enrollment_id = OLD.id) THEN
        RAISE EXCEPTION 'enrollment % of contact % has step rows', OLD.id, OLD.contact_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER enrollments_keep_stepped_key BEFORE UPDATE OF contact_id ON enrollments
    FOR EACH ROW EXECUTE FUNCTION keep_stepped_enrollment_key();

CREATE FUNCTION truncate_enrollment_steps() RETURNS trigger
LANGUAGE plpgsql SET search_path = tern AS $$
BEGIN
    DELETE FROM enrollment_steps;
    RETURN NULL;
END
$$;
CREATE TRIGGER enrollments_truncate_steps AFTER TRUNCATE ON enrollments
    FOR EACH STATEMENT EXECUTE FUNCTION truncate_enrollment_steps();
