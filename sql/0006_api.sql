-- 0006_api: keys of the events API, and the idempotency keys of its events.
--
-- A key is shown once when it is created (`tern apikey create`); only the
-- SHA-256 of its secret is stored. Secrets are 256 random bits, so a plain
-- hash is enough: there is nothing to brute-force.

CREATE TABLE api_keys (
    id          text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{8}$'),
    name        text NOT NULL CHECK (name <> '' AND length(name) <= 128),
    tenant      text NOT NULL DEFAULT 'default' REFERENCES tenants (id),
    secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
COMMENT ON TABLE api_keys IS 'Bearer keys of POST /v1/events; the tracker reloads the active ones every few seconds.';

-- events is partitioned, so a unique idempotency key cannot live on it; the
-- API writes this row and the event in one transaction instead. Rows older
-- than the retry horizon (days) may be deleted.
CREATE TABLE api_idempotency (
    key_id          text NOT NULL,
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 128),
    event_id        uuid NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key_id, idempotency_key)
);
CREATE INDEX api_idempotency_created ON api_idempotency USING brin (created_at);
