-- 0009_segments: what the engine's segment refresh keeps.
--
-- A refresh evaluates a segment's condition, then writes the difference
-- to the current members (segment_memberships) with one segment.entered or
-- segment.left event per change. Between full refreshes (every `refresh`)
-- each engine round re-evaluates only the contacts changed since the last
-- evaluation: contacts_updated finds them, checked_at says since when.

ALTER TABLE segments
    ADD COLUMN file       text,          -- where the script defines it (file:line)
    ADD COLUMN checked_at timestamptz,   -- contacts changed since then are not evaluated yet
    ADD COLUMN failed_at  timestamptz,   -- the last refresh that failed, while it is not fixed
    ADD COLUMN last_error text;          -- why, with the script's file:line

CREATE INDEX contacts_updated ON contacts (updated_at);
