-- 0005_consent_events: tie each consent to the event that recorded it.
--
-- The tracker's confirmations reach PostgreSQL through a spool that may
-- replay a record after a crash; the event id makes the consent row
-- idempotent (one consent per event) and links the proof to its event.

ALTER TABLE consents ADD COLUMN event_id uuid;
COMMENT ON COLUMN consents.event_id IS 'The event (contact.confirmed ...) this consent was recorded with; NULL for imports.';
CREATE UNIQUE INDEX consents_event ON consents (contact_id, event_id);
