-- 0013_outbox_due_order: the sender's claim reads only the rows it takes.
--
-- The sender takes the oldest due mail first, in contact order
-- (ORDER BY next_attempt_at, contact_id LIMIT n FOR UPDATE SKIP LOCKED).
-- outbox_due held next_attempt_at alone, so every claim read and sorted
-- every due row: with a backlog of 50,000 mails, 50,000 rows for each
-- batch of 100, and a backlog cost more the longer it was. With
-- contact_id in the index the claim walks it in order and stops after n.

DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (next_attempt_at, contact_id) WHERE status IN ('pending', 'retry');
