-- 0021_record_rejects: a spooled record PostgreSQL can never take is kept, not dropped.
--
-- A daemon's drain sets aside a record whose data PostgreSQL refuses (an
-- address inet does not take, a value too large to index) or that cannot be
-- read at all (torn, or of a kind a newer tern wrote), so that one bad
-- record does not hold up the rest of the spool. Until now such a record was
-- gone once its batch committed, with only a log line to show for it. It is
-- now written here, in the batch's own transaction, exactly as the daemon
-- spooled it and with the reason: an operator can read it, correct it and
-- apply it by hand. A batch applied twice (a crash between the commit and the
-- spool's acknowledgement) keeps each record once, by its digest.

CREATE TABLE record_rejects (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rejected_at timestamptz NOT NULL DEFAULT now(),
    kind        text,                 -- the record's kind; NULL when it could not be read
    reason      text NOT NULL,
    record      bytea NOT NULL,       -- as spooled: one JSON object, unless it was torn
    digest      bytea GENERATED ALWAYS AS (sha256(record)) STORED,
    CONSTRAINT record_rejects_once UNIQUE (digest)
);
COMMENT ON TABLE record_rejects IS
    'spooled records PostgreSQL refused or could not read; convert_from(record, ''UTF8'') shows one';
