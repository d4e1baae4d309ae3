-- 0018_intake_shards: the intake takes events in by shard of contact.
--
-- One cursor let one engine at a time take events in, and an entered
-- contact's first steps run inside the intake's transaction, so a second
-- engine could not share that work. Each shard now has its own cursor and
-- takes the events of the contacts with contact_id % shards = shard: engines
-- hold different shards at once, while each contact's events stay in one
-- shard and so in order. Every shard starts where the one cursor was: each
-- has handled exactly the events before it, whatever their contact.
--
-- `tern engine --intake-shards N` changes the number later, online: the
-- shards finish the events below a common horizon, then N new cursors start
-- from it.
ALTER TABLE engine_cursor
    ADD COLUMN shard int NOT NULL DEFAULT 0,
    ADD COLUMN shards int NOT NULL DEFAULT 1,
    ADD COLUMN reshard_to int,              -- a change of the number of shards in progress
    ADD COLUMN reshard_below xid8,          -- its horizon: every shard stops below it
    ADD CONSTRAINT engine_cursor_shard CHECK (shard >= 0 AND shard < shards AND shards <= 64),
    ADD CONSTRAINT engine_cursor_reshard CHECK ((reshard_to IS NULL) = (reshard_below IS NULL)
                                                AND coalesce(reshard_to, 1) BETWEEN 1 AND 64);
ALTER TABLE engine_cursor DROP CONSTRAINT engine_cursor_pkey, ADD PRIMARY KEY (name, shard);

UPDATE engine_cursor SET shards = 4 WHERE name = 'intake';
INSERT INTO engine_cursor (name, shard, shards, last_xid, last_id)
SELECT c.name, s, 4, c.last_xid, c.last_id
  FROM engine_cursor c, generate_series(1, 3) s
 WHERE c.name = 'intake';
