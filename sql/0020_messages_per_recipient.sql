-- 0020_messages_per_recipient: a messages row is one message to one recipient.
--
-- A submitter may give one X-Tern-Message to a message for several
-- recipients. With milter.multi_recipient = split the client resubmits each
-- recipient on its own and every copy carries that id; keyed by the id
-- alone, only the first copy's row and email.sent event were kept and the
-- other recipients' sends were lost. The key is now (id, recipient): each
-- copy is recorded once, and a replay of the same copy still changes nothing.
-- The engine's own mail has one recipient per id, so its rows are unchanged.

ALTER TABLE messages DROP CONSTRAINT messages_pkey, ADD PRIMARY KEY (id, recipient);
COMMENT ON COLUMN messages.recipient IS
    'the envelope recipient (the first one when several share the message)';
