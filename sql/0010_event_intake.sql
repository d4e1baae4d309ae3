-- 0010_event_intake: events API items reach PostgreSQL through the tracker's spool.
--
-- The tracker accepts an events API item while PostgreSQL is away and the
-- spool drain places it later, so idempotency keys and contacts that do not
-- exist are settled at drain time, in PostgreSQL.
--
-- event_idempotency: one event per idempotency key and tenant, whichever API
-- key (or `tern event`) sent it. It replaces api_idempotency (0006), whose
-- rows are carried over; that table is no longer written. Rows older than the
-- longest retry horizon of your clients may be deleted.
CREATE TABLE event_idempotency (
    tenant          text NOT NULL,
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 128),
    event_id        uuid NOT NULL,
    key_id          text,              -- the API key that sent it; NULL from tern event
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, idempotency_key)
);
CREATE INDEX event_idempotency_created ON event_idempotency USING brin (created_at);
INSERT INTO event_idempotency (tenant, idempotency_key, event_id, key_id, created_at)
SELECT k.tenant, i.idempotency_key, i.event_id, i.key_id, i.created_at
  FROM api_idempotency i JOIN api_keys k ON k.id = i.key_id
 ORDER BY i.created_at
    ON CONFLICT DO NOTHING;
COMMENT ON TABLE api_idempotency IS 'Superseded by event_idempotency (0010); no longer written.';

-- event_rejects: accepted items the drain could not place (a contact_id the
-- tenant does not have), kept with the reason instead of being dropped.
CREATE TABLE event_rejects (
    id          uuid PRIMARY KEY,      -- the id the API answered with
    tenant      text NOT NULL,
    key_id      text,
    item        jsonb NOT NULL,        -- the item as accepted
    reason      text NOT NULL,
    accepted_at timestamptz NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE event_rejects IS 'Events API items accepted (202) that could not be placed; fix and replay, or delete.';
