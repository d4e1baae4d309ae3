-- 0002_events: the event log, partitioned by month.
--
-- Tens of millions of rows: partitions keep each index small and let old
-- months be detached or dropped cheaply. A unique key on a partitioned
-- table must include the partition key, so the primary key is
-- (id, occurred_at); writers that replay a spool resend the same pair, so
-- replays still collide and are skipped.

CREATE TABLE events (
    id              uuid NOT NULL,
    contact_id      bigint,            -- NULL for anonymous (multi-recipient) tracking
    type            text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$' AND length(type) <= 64),
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    -- The writing transaction: the engine reads events whose transaction is
    -- older than every running one, so it never skips a late committer
    -- (a plain "id > last seen" cursor would).
    xid             xid8 NOT NULL DEFAULT pg_current_xact_id(),
    source          text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'cli', 'track', 'milter', 'engine')),
    message_id      uuid,
    journey         text,
    step            text,
    data            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
    -- Opens and clicks: who asked, and whether a person or a machine did.
    bot_class       text CHECK (bot_class IN ('human', 'apple-mpp', 'image-proxy', 'scanner', 'honeypot')),
    bot_reason      text,
    user_agent      text,
    ip              inet,
    delay_ms        bigint,           -- time since the message was sent
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);

-- A contact's history (c:count, wait_for matching, exits and goals).
CREATE INDEX events_contact ON events (contact_id, type, occurred_at);
-- Funnels per message and per type.
CREATE INDEX events_message ON events (message_id, type) WHERE message_id IS NOT NULL;
CREATE INDEX events_type ON events (type, occurred_at);
-- The engine's intake cursor.
CREATE INDEX events_xid ON events (xid);

-- Anything outside the monthly partitions (backfills, clock skew) lands
-- here instead of failing.
CREATE TABLE events_default PARTITION OF events DEFAULT;

-- Create the partitions for this month and `months_ahead` more. Rows that
-- already sit in the default partition for such a month are moved into it.
-- Safe to call any time; `tern migrate` and the engine call it.
CREATE FUNCTION ensure_event_partitions(months_ahead int DEFAULT 3) RETURNS int
LANGUAGE plpgsql SET search_path = tern AS $$
DECLARE
    first date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    lo timestamptz;
    hi timestamptz;
    part text;
    created int := 0;
BEGIN
    FOR i IN 0 .. months_ahead LOOP
        lo := ((first + make_interval(months => i))::timestamp AT TIME ZONE 'UTC');
        hi := ((first + make_interval(months => i + 1))::timestamp AT TIME ZONE 'UTC');
        part := 'events_' || to_char(lo AT TIME ZONE 'UTC', 'YYYY_MM');
        CONTINUE WHEN to_regclass(part) IS NOT NULL;
        EXECUTE format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        EXECUTE format('WITH moved AS (DELETE FROM events_default WHERE occurred_at >= %L AND occurred_at < %L RETURNING *)'
                       ' INSERT INTO %I SELECT * FROM moved', lo, hi, part);
        EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
        created := created + 1;
    END LOOP;
    RETURN created;
END
$$;

SELECT ensure_event_partitions();
