-- 0011_events_xid_id: the intake walks events in (xid, id) order.
--
-- Every event one transaction writes (an import, a batch from the API, a
-- journey's emits) shares its xid. With an index on xid alone, each intake
-- batch read all of that transaction's events again to find the next ones
-- in id order: a million events in one transaction cost the intake time
-- quadratic in their number. An index on (xid, id) reads each batch as one
-- range.

CREATE INDEX events_xid_id ON events (xid, id);
DROP INDEX events_xid;
