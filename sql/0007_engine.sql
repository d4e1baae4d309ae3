-- 0007_engine: the engine's intake cursor.
--
-- The intake reads events in (xid, id) order, only from transactions
-- older than every running one (pg_snapshot_xmin), so an event whose
-- writer commits late is never skipped. The cursor row is updated in the
-- same transaction as the enrollments it changed, and locked FOR UPDATE
-- SKIP LOCKED, so with several engines one of them does the intake at a
-- time and no event is handled twice.

CREATE TABLE engine_cursor (
    name       text PRIMARY KEY,
    last_xid   xid8 NOT NULL DEFAULT '0',                -- every event before (last_xid, last_id) is handled
    last_id    uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO engine_cursor (name) VALUES ('intake');
