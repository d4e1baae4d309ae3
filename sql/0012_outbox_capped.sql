-- 0012_outbox_capped: a send the policy's cap dropped is kept, as `capped`.
--
-- With on_cap = "skip" a marketing send over a cap used to leave no trace:
-- the step went on and `tern stats` could not say how many mails the caps
-- kept from contacts. Such a send is now an outbox row in status `capped`
-- (never submitted, never counted against a cap), with the cap in
-- last_error.

ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('pending', 'sending', 'sent', 'retry', 'parked', 'skipped', 'capped'));
