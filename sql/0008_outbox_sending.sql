-- 0008_outbox_sending: find outbox rows a dead sender left `sending`.
--
-- The sender marks the rows it submits `sending` and records the outcome
-- afterwards; a sender killed in between leaves them so. Once a minute it
-- looks for such rows older than ten minutes: this keeps that look an
-- index probe however large the outbox grows.

CREATE INDEX outbox_sending ON outbox (next_attempt_at) WHERE status = 'sending';
