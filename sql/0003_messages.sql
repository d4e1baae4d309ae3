-- 0003_messages: one row per managed message the milter handled.

CREATE TABLE messages (
    id            uuid PRIMARY KEY,          -- X-Tern-Message
    contact_id    bigint,                    -- NULL: several recipients, anonymous tracking
    tenant        text NOT NULL DEFAULT 'default',
    recipient     text NOT NULL,             -- first envelope recipient
    recipients    int NOT NULL DEFAULT 1,
    journey       text,
    step          text,
    enrollment_id bigint,
    template      text,
    category      text NOT NULL DEFAULT 'marketing' CHECK (category IN ('marketing', 'transactional')),
    subject       text,
    queue_id      text,                      -- Postfix queue id, to find it in the mail log
    link_count    int NOT NULL DEFAULT 0,
    sent_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_contact ON messages (contact_id, sent_at);
CREATE INDEX messages_journey ON messages (journey, step, sent_at) WHERE journey IS NOT NULL;
-- Append-mostly in time order: a BRIN index answers date ranges for almost nothing.
CREATE INDEX messages_sent_at ON messages USING brin (sent_at);
