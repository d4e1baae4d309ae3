-- 0001_contacts: tenants, contacts, consents and suppressions.
--
-- Every table that grows with the audience carries contact_id and keys on
-- it, so a large installation can distribute them by contact (Citus) or
-- partition them without changing queries (DESIGN.md 1.6).

CREATE TABLE tenants (
    id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name       text,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tenants IS 'Teams sharing one installation (e.g. a country); contacts belong to one.';
INSERT INTO tenants (id, name) VALUES ('default', 'Default tenant');

CREATE TABLE contacts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant            text NOT NULL DEFAULT 'default',  -- checked per statement, see below
    email             text NOT NULL CHECK (email <> '' AND length(email) <= 254),
    status            text NOT NULL DEFAULT 'subscribed'
                      CHECK (status IN ('subscribed', 'unsubscribed', 'bounced', 'complained', 'pending')),
    attributes        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    timezone          text,                      -- NULL: unknown, treated as UTC
    locale            text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    status_changed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN contacts.attributes IS 'Free-form merge fields and journey state (first_name, score, stage ...).';
COMMENT ON COLUMN contacts.timezone IS 'IANA zone name; journey windows and quiet hours use it (NULL: UTC).';
-- One contact per address and tenant, whatever the case of the address.
CREATE UNIQUE INDEX contacts_tenant_email ON contacts (tenant, lower(email));

-- contacts.tenant must name a tenant. A foreign key would check it row by
-- row (a third of the cost of a bulk import); these triggers check each
-- statement's rows at once instead. Tenants are never deleted while they
-- have contacts.
CREATE FUNCTION check_contact_tenants() RETURNS trigger
LANGUAGE plpgsql SET search_path = tern AS $$
DECLARE
    missing text;
BEGIN
    SELECT DISTINCT n.tenant INTO missing FROM new_rows n
     WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = n.tenant) LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'tenant "%" does not exist', missing
            USING ERRCODE = 'foreign_key_violation', HINT = 'INSERT INTO tern.tenants (id) first';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER contacts_tenant_exists_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION check_contact_tenants();
CREATE TRIGGER contacts_tenant_exists_update AFTER UPDATE ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION check_contact_tenants();

CREATE FUNCTION keep_used_tenants() RETURNS trigger
LANGUAGE plpgsql SET search_path = tern AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM contacts WHERE tenant = OLD.id) THEN
        RAISE EXCEPTION 'tenant "%" still has contacts', OLD.id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END
$$;
CREATE TRIGGER tenants_keep_used BEFORE DELETE OR UPDATE OF id ON tenants
    FOR EACH ROW EXECUTE FUNCTION keep_used_tenants();

CREATE TABLE consents (
    contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    purpose     text NOT NULL,              -- 'marketing', a newsletter or topic name
    status      text NOT NULL CHECK (status IN ('granted', 'revoked', 'pending')),
    source      text NOT NULL,              -- 'import', 'double-opt-in', 'api', 'preferences' ...
    ip          inet,
    user_agent  text,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contact_id, id)
);
COMMENT ON TABLE consents IS 'Append-only consent log: the proof of when and how a contact agreed or withdrew.';
CREATE INDEX consents_purpose ON consents (contact_id, purpose, occurred_at DESC);

-- Suppressions are central: they hold addresses, not contacts, so they
-- outlive deleted contacts and apply to every tenant unless scoped to one.
CREATE TABLE suppressions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      text NOT NULL,
    tenant     text REFERENCES tenants (id),  -- NULL: every tenant
    contact_id bigint,                        -- the contact that caused it, if any
    scope      text NOT NULL DEFAULT 'all',   -- 'all', a category ('marketing') or a topic
    reason     text NOT NULL CHECK (reason IN ('unsubscribe', 'bounce', 'complaint', 'manual')),
    source     text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz                    -- NULL: permanent
);
CREATE UNIQUE INDEX suppressions_address ON suppressions (lower(email), coalesce(tenant, ''), scope);
