-- 0016_contacts_tenant_update_check: an UPDATE of contacts checks the
-- tenant only of rows whose tenant changed.
--
-- The statement-level check of sql 0001 captured every updated row in a
-- transition table to look up its tenant, for every UPDATE of contacts:
-- a journey's c:set and c:score, an unsubscribe, a re-import. Almost none
-- of them changes the tenant, so the update check now fires per row, and
-- only when the tenant changed. Inserts keep the statement-level check
-- (an import inserts a million rows at once).

DROP TRIGGER contacts_tenant_exists_update ON contacts;

CREATE FUNCTION check_contact_tenant() RETURNS trigger
LANGUAGE plpgsql SET search_path = tern AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = NEW.tenant) THEN
        RAISE EXCEPTION 'tenant "%" does not exist', NEW.tenant
            USING ERRCODE = 'foreign_key_violation', HINT = 'INSERT INTO tern.tenants (id) first';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER contacts_tenant_exists_update AFTER UPDATE OF tenant ON contacts
    FOR EACH ROW WHEN (NEW.tenant IS DISTINCT FROM OLD.tenant)
    EXECUTE FUNCTION check_contact_tenant();
